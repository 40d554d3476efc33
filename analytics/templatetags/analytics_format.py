"""Number formats of the reports: thousands, percentages, durations, changes."""

from django import template

register = template.Library()


@register.filter
def num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", "\u202f")


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


@register.filter
def secs(value: float | None) -> str:
    if value is None:
        return "–"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


@register.filter
def change(value: float | None) -> str:
    if value is None:
        return "new" if value is None else ""
    arrow = "▲" if value > 0 else "▼" if value < 0 else "="
    return f"{arrow} {abs(value) * 100:.0f}%"


@register.filter
def metric(value: float | None, kind: str) -> str:
    return {"int": num, "pct": pct, "sec": secs}[kind](value)


@register.simple_tag
def delta(current: float | None, previous: float | None) -> str:
    if current is None or previous is None:
        return ""
    if not previous:
        return "new" if current else ""
    return change((current - previous) / previous)


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key, "")
