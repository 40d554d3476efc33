"""Server-rendered SVG charts: readable without internet, without JavaScript, under a strict
CSP (presentation attributes only, no inline style)."""

import datetime
import math
from dataclasses import dataclass

from babel.dates import format_date
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

INK = "#1b1f2a"
MUTED = "#8a93a5"
GRID = "#e7eaf0"
PALETTE = ("#3b5bdb", "#f08c00", "#2b8a3e", "#c2255c", "#7048e8", "#0c8599")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]
    color: str = PALETTE[0]
    dashed: bool = False


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5, 5 or 10 times a power of ten, at least `value` (axes end on round numbers)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:g}"


def line_chart(
    *,
    title: str,
    days: list[datetime.date],
    series: list[Series],
    width: int = 560,
    height: int = 220,
) -> SafeString:
    left, right, top, bottom = 44, 12, 28, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_ceiling(max((max(s.values, default=0) for s in series), default=0))
    count = max(len(days), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = peak * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{_number(value)}</text>'
        )
    step = max(1, len(days) // 6)
    ticks = list(range(0, len(days), step))
    if ticks and len(days) - 1 - ticks[-1] < step * 0.8:
        ticks.pop()  # too close to the last day's label
    ticks.append(len(days) - 1)
    for i in ticks:
        if 0 <= i < len(days):
            anchor = "start" if i == 0 else "end" if i == len(days) - 1 else "middle"
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="11" '
                f'fill="{MUTED}">{_day(days[i])}</text>'
            )
    legend_x = left
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        if len(s.values) == 1:
            parts.append(
                f'<circle cx="{x(0):.1f}" cy="{y(s.values[0]):.1f}" r="3" fill="{s.color}"/>'
            )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{s.color}" stroke-width="2"'
            f'{dash} stroke-linejoin="round"/>'
        )
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="12" y2="12" stroke="{s.color}" '
            f'stroke-width="2"{dash}/>'
            f'<text x="{legend_x + 24}" y="16" font-size="12" fill="{INK}">{escape(s.label)}</text>'
        )
        legend_x += 34 + 7 * len(s.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    *,
    title: str,
    rows: list[tuple[str, float, float | None]],
    width: int = 560,
    value_format: str = "{:,.0f}",
    limit: int = 8,
) -> SafeString:
    """Horizontal bars: (label, value, previous value or None); the previous period is a
    thin grey bar under each."""
    rows = rows[:limit]
    row_h, label_w, top = 30, 170, 8
    height = top + row_h * max(len(rows), 1) + 8
    plot_w = width - label_w - 70
    peak = max([max(v, p or 0) for _, v, p in rows] or [0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not rows:
        parts.append(
            f'<text x="8" y="24" font-size="12" fill="{MUTED}">No data in this period</text>'
        )
    for i, (label, value, previous) in enumerate(rows):
        y0 = top + i * row_h
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y0 + 15}" text-anchor="end" font-size="12" '
            f'fill="{INK}"><title>{escape(label)}</title>{escape(shown)}</text>'
            f'<rect x="{label_w}" y="{y0 + 4}" width="{max(plot_w * value / peak, 1):.1f}" '
            f'height="14" rx="3" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + plot_w * value / peak + 6:.1f}" y="{y0 + 15}" font-size="11" '
            f'fill="{INK}">{escape(value_format.format(value))}</text>'
        )
        if previous is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y0 + 20}" width="{max(plot_w * previous / peak, 1):.1f}" '
                f'height="4" rx="2" fill="{MUTED}"><title>previous period: '
                f"{escape(value_format.format(previous))}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _day(day: datetime.date) -> str:
    """An axis label in the reader's language: "30 Oct", "30 окт."."""
    return format_date(day, "d MMM", locale=(get_language() or "en").split("-")[0])
