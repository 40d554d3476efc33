"""Number formats of the reports, in the reader's language: thousands, percentages, durations."""

from babel.numbers import format_decimal, format_percent
from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def _locale() -> str:
    return (get_language() or "en").split("-")[0]


@register.filter
def num(value: float | None) -> str:
    if value is None:
        return "–"
    return format_decimal(round(value), format="#,##0", locale=_locale())


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=_locale())


@register.filter
def secs(value: float | None) -> str:
    if value is None:
        return "–"
    minutes, seconds = divmod(round(value), 60)
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": seconds}
    return _("%(s)d s") % {"s": seconds}


@register.filter
def change(value: float | None) -> str:
    if value is None:
        return _("new")
    arrow = "▲" if value > 0 else "▼" if value < 0 else "="
    return f"{arrow} {pct(abs(value), 0)}"


@register.filter
def metric(value: float | None, kind: str) -> str:
    return {"int": num, "pct": pct, "sec": secs}[kind](value)


@register.simple_tag
def delta(current: float | None, previous: float | None) -> str:
    if current is None or previous is None:
        return ""
    if not previous:
        return _("new") if current else ""
    return change((current - previous) / previous)


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key, "")
