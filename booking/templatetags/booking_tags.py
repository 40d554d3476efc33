import re

from django import template
from django.conf import settings

register = template.Library()

# A Cal.com link is "user/event-type" (or a team path); nothing else goes into the page.
_CAL_LINK = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,3}$")


def calcom_link() -> str:
    value = (settings.CALCOM_LINK or "").strip().strip("/")
    return value if _CAL_LINK.match(value) else ""


@register.inclusion_tag("booking/_widget.html", takes_context=True)
def booking_widget(context: template.Context, lead: object = None) -> dict:
    """The Cal.com calendar after booking consent; before it, a click-to-load card."""
    request = context.get("request")
    granted = "booking" in (getattr(request, "consent_granted", None) or set())
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "cal_link": calcom_link(),
        "granted": granted,
        "name": getattr(lead, "name", "") or "",
        "email": getattr(lead, "email", "") or "",
    }
