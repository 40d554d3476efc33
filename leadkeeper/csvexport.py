"""The one CSV writer: every export goes through `csv_response()`.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula (CSV injection, OWASP), and our cells carry what visitors typed: a User-Agent,
a UTM tag, a landing page. Such a text cell is prefixed with `'`, which shows it as text.
Numbers stay numbers: a negative change is not a formula.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value`, with a text that a spreadsheet would evaluate made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
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
