import re
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.http import HttpRequest

from consent.services import banner_consent_text
from consent.state import ConsentState, optional_category_ids
from consent.texts import BannerText, banner_text

register = template.Library()

# A GA4 measurement id; anything else is a misconfiguration we refuse to put into a script.
_MEASUREMENT_ID = re.compile(r"^G-[A-Z0-9]{4,20}$")


@dataclass(frozen=True)
class Banner:
    text: BannerText
    digest: str
    show: bool
    granted: frozenset[str]
    ga_id: str
    state_json: dict

    @property
    def load_ga(self) -> bool:
        return bool(self.ga_id) and "analytics" in self.granted


def ga_measurement_id() -> str:
    value = (settings.GA_MEASUREMENT_ID or "").strip()
    return value if _MEASUREMENT_ID.match(value) else ""


def banner_for(request: HttpRequest) -> Banner:
    cached = getattr(request, "_consent_banner", None)
    if cached is not None:
        return cached
    state: ConsentState | None = getattr(request, "consent", None)
    granted = frozenset(getattr(request, "consent_granted", ()) or ())
    text = banner_consent_text()
    decided = bool(state and state.current)
    banner = Banner(
        text=banner_text(),
        digest=text.digest,
        show=not decided,
        granted=granted,
        ga_id=ga_measurement_id(),
        state_json={
            "granted": sorted(granted),
            "decided": decided,
            "lapsed": bool(state and state.lapsed),
            "categories": optional_category_ids(),
            "text": text.digest,
            "reload": request.method == "GET",
            "api": "/api/v1/consent",
            "ga": ga_measurement_id(),
        },
    )
    request._consent_banner = banner
    return banner


@register.simple_tag(takes_context=True)
def consent_banner(context: template.Context) -> Banner | None:
    request = context.get("request")
    return banner_for(request) if request is not None else None


@register.filter
def choices_in_words(categories: dict) -> str:
    """A record's categories as a person reads them: "Analytics (Google Analytics): allowed"."""
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    from register.loader import get_register

    register_ = get_register().localized(get_language() or "en")
    titles = {c.id: c.title for c in register_.consent_categories}
    titles["contact_form"] = _("Processing of the consultation request")
    words = [
        f"{titles.get(key, key)}: {_('allowed') if value else _('refused')}"
        for key, value in categories.items()
    ]
    return "; ".join(words)
