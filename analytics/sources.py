"""Where a visit came from: source / medium / campaign and a source class.

Classes: search, social, email, paid, referral, direct, internal. UTM tags win over the
referrer (the marketer set them on purpose); click ids stand in for missing UTM tags; then
the referrer host; else direct. Values are normalised by capture.attribution, the same
functions that normalise a lead's fields, so a lead and its visit compare equal.
"""

from dataclasses import dataclass

from capture.attribution import normalise_utm

DIRECT = "(direct)"
NONE = "(none)"

SEARCH_ENGINES = {
    "google": "google",
    "yandex": "yandex",
    "ya.ru": "yandex",
    "bing.com": "bing",
    "duckduckgo.com": "duckduckgo",
    "search.yahoo.com": "yahoo",
    "yahoo.com": "yahoo",
    "baidu.com": "baidu",
    "ecosia.org": "ecosia",
    "go.mail.ru": "mail.ru",
    "search.brave.com": "brave",
    "qwant.com": "qwant",
    "startpage.com": "startpage",
}
SOCIAL = {
    "facebook.com": "facebook",
    "m.facebook.com": "facebook",
    "l.facebook.com": "facebook",
    "lm.facebook.com": "facebook",
    "instagram.com": "instagram",
    "l.instagram.com": "instagram",
    "t.co": "twitter",
    "x.com": "twitter",
    "twitter.com": "twitter",
    "linkedin.com": "linkedin",
    "lnkd.in": "linkedin",
    "vk.com": "vk",
    "m.vk.com": "vk",
    "ok.ru": "ok",
    "t.me": "telegram",
    "web.telegram.org": "telegram",
    "youtube.com": "youtube",
    "m.youtube.com": "youtube",
    "reddit.com": "reddit",
    "old.reddit.com": "reddit",
    "pinterest.com": "pinterest",
    "tiktok.com": "tiktok",
    "dzen.ru": "dzen",
    "habr.com": "habr",
}
WEBMAIL = {
    "mail.google.com": "gmail",
    "outlook.live.com": "outlook",
    "outlook.office.com": "outlook",
    "outlook.office365.com": "outlook",
    "mail.yandex.ru": "yandex mail",
    "e.mail.ru": "mail.ru",
    "mail.yahoo.com": "yahoo mail",
}
PAID_MEDIA = {
    "cpc",
    "ppc",
    "paid",
    "paidsearch",
    "paid_search",
    "paid-search",
    "cpm",
    "cpv",
    "cpa",
    "display",
    "banner",
    "paid_social",
    "paid-social",
    "paidsocial",
    "retargeting",
}
SOCIAL_MEDIA = {"social", "social-network", "social_network", "sm", "social-media", "smm"}
EMAIL_MEDIA = {"email", "e-mail", "e_mail", "newsletter", "mailing"}
SEARCH_MEDIA = {"organic", "seo"}
CLICK_IDS = {
    "gclid": ("google", "cpc", "paid"),
    "yclid": ("yandex", "cpc", "paid"),
    # fbclid is appended to every outbound Facebook link, paid or not.
    "fbclid": ("facebook", "social", "social"),
}


@dataclass(frozen=True)
class Source:
    source_class: str
    source: str
    medium: str
    campaign: str = ""


def _lookup(host: str, table: dict[str, str]) -> str:
    """The brand of `host` in `table`, matching the host or any parent domain."""
    parts = host.split(".")
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in table:
            return table[candidate]
    return ""


def _search_brand(host: str) -> str:
    brand = _lookup(host, SEARCH_ENGINES)
    if brand:
        return brand
    # google.de, google.co.uk, yandex.kz ...: the label before the public suffix.
    for label in host.split(".")[:-1]:
        if label in ("google", "yandex", "bing"):
            return label
    return ""


def _class_of_medium(medium: str) -> str:
    if medium in PAID_MEDIA:
        return "paid"
    if medium in SOCIAL_MEDIA:
        return "social"
    if medium in EMAIL_MEDIA:
        return "email"
    if medium in SEARCH_MEDIA:
        return "search"
    return ""


def classify_referrer(host: str, *, site_host: str) -> Source:
    host = host.lower().removeprefix("www.")
    if not host:
        return Source("direct", DIRECT, NONE)
    if host == site_host.lower().removeprefix("www."):
        return Source("internal", "(internal)", "internal")
    brand = _lookup(host, WEBMAIL)
    if brand:
        return Source("email", brand, "email")
    brand = _search_brand(host)
    if brand:
        return Source("search", brand, "organic")
    brand = _lookup(host, SOCIAL)
    if brand:
        return Source("social", brand, "social")
    return Source("referral", host, "referral")


def classify(
    *, utm: dict[str, str], click_ids: set[str], referrer_host: str, site_host: str
) -> Source:
    """The source of one page view from its UTM tags, click ids and referrer host."""
    source = normalise_utm(utm.get("utm_source"))
    medium = normalise_utm(utm.get("utm_medium"))
    campaign = normalise_utm(utm.get("utm_campaign"))
    by_referrer = classify_referrer(referrer_host, site_host=site_host)
    if source or medium or campaign:
        source_class = _class_of_medium(medium)
        if not source_class:
            for click_id in ("gclid", "yclid"):
                if click_id in click_ids:
                    source_class = "paid"
        if not source_class:
            source_class = (
                by_referrer.source_class
                if by_referrer.source_class not in ("direct", "internal")
                else "referral"
            )
        return Source(source_class, source or by_referrer.source, medium or NONE, campaign)
    for click_id, (click_source, click_medium, click_class) in CLICK_IDS.items():
        if click_id in click_ids:
            return Source(click_class, click_source, click_medium)
    return by_referrer
