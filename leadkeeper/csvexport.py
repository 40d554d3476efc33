"""The one CSV writer: every export goes through `csv_response()`.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula (CSV injection, OWASP), and our cells carry what visitors typed: a User-Agent,
a UTM tag, a landing page. Such a text cell is prefixed with `'`, which shows it as text.
Numbers stay numbers: a negative change is not a formula.
"""

import csv
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Bidirectional overrides and isolates reorder what a reader sees ("Trojan Source",
# CVE-2021-42574): an export shows them as visible <U+202E> marks instead.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def visible_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def safe_cell(value: object) -> object:
    """`value`, with a text that a spreadsheet would evaluate made inert."""
    if not isinstance(value, str):
        return value
    value = visible_bidi(value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(out: object, *, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write `header` and `rows` to the file-like `out`, every cell through `safe_cell()`."""
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]], private: bool = False
) -> HttpResponse:
    """A CSV download; `private` for personal data (no cache may keep it)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response["Cache-Control"] = "no-store"
    write_rows(response, header=header, rows=rows)
    return response
