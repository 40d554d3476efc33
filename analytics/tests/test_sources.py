import pytest

from analytics.sources import Source, classify

SITE = "kommoexpert.ru"


@pytest.mark.parametrize(
    ("utm", "click_ids", "referrer", "expected"),
    [
        ({}, set(), "", Source("direct", "(direct)", "(none)")),
        ({}, set(), "kommoexpert.ru", Source("internal", "(internal)", "internal")),
        ({}, set(), "www.kommoexpert.ru", Source("internal", "(internal)", "internal")),
        ({}, set(), "www.google.com", Source("search", "google", "organic")),
        ({}, set(), "www.google.co.uk", Source("search", "google", "organic")),
        ({}, set(), "yandex.kz", Source("search", "yandex", "organic")),
        ({}, set(), "duckduckgo.com", Source("search", "duckduckgo", "organic")),
        ({}, set(), "l.facebook.com", Source("social", "facebook", "social")),
        ({}, set(), "t.me", Source("social", "telegram", "social")),
        ({}, set(), "mail.google.com", Source("email", "gmail", "email")),
        ({}, set(), "habr.com", Source("social", "habr", "social")),
        ({}, set(), "partner.example", Source("referral", "partner.example", "referral")),
        ({}, {"gclid"}, "www.google.com", Source("paid", "google", "cpc")),
        ({}, {"yclid"}, "", Source("paid", "yandex", "cpc")),
        ({}, {"fbclid"}, "l.facebook.com", Source("social", "facebook", "social")),
        (
            {"utm_source": " Google ", "utm_medium": "CPC", "utm_campaign": "Brand"},
            set(),
            "www.google.com",
            Source("paid", "google", "cpc", "brand"),
        ),
        (
            {"utm_source": "newsletter", "utm_medium": "email"},
            set(),
            "",
            Source("email", "newsletter", "email"),
        ),
        (
            {"utm_source": "vk", "utm_medium": "social"},
            set(),
            "vk.com",
            Source("social", "vk", "social"),
        ),
        (
            {"utm_source": "partner", "utm_medium": "banner"},
            set(),
            "",
            Source("paid", "partner", "banner"),
        ),
        ({"utm_source": "flyer"}, set(), "", Source("referral", "flyer", "(none)")),
        (
            {"utm_campaign": "spring"},
            {"gclid"},
            "www.google.com",
            Source("paid", "google", "(none)", "spring"),
        ),
    ],
)
def test_sources_are_classified(utm, click_ids, referrer, expected):
    assert (
        classify(utm=utm, click_ids=click_ids, referrer_host=referrer, site_host=SITE) == expected
    )
