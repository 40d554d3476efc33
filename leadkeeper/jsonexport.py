"""JSON downloads of personal data, made inert for whoever opens them.

Visitors control some values (a name, a User-Agent). In the file, `<`, `>` and `&` are
written as \\u escapes, so a browser or viewer that sniffs the file as HTML finds no markup,
and bidirectional controls are escaped so the text reads as stored (Trojan Source). The
JSON still decodes to exactly the stored values.
"""

import json

from django.http import HttpResponse

from .csvexport import BIDI_CONTROLS

_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def safe_json(body: object) -> str:
    text = json.dumps(body, ensure_ascii=False, indent=2, default=str).translate(_HTML)
    return BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_response(*, filename: str, body: object) -> HttpResponse:
    """A private JSON download (no cache may keep it)."""
    response = HttpResponse(safe_json(body), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
