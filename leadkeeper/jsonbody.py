"""One strict JSON reader for every endpoint that takes JSON (issue 15: malformed input is 400).

`json.loads` accepts things no client of ours sends and that break later as a 500: nesting
deep enough to raise RecursionError, integers of thousands of digits (ValueError past
Python's 4300-digit guard, or slow arithmetic below it), `NaN` and `1e999` (inf), duplicate
keys (the last one silently wins, so two parsers may read two different bodies), invalid
UTF-8 and lone surrogates (`"\\ud800"` parses, then fails to encode when stored). Each is a
MalformedJSON here, which callers answer with 400.

The checks are cheap on the collector's hot path: json's C scanner raises RecursionError
(caught) long before the stack is at risk, the depth walk visits containers only, and the
surrogate walk runs only when one regex search in C finds a `\\uD800`-`\\uDFFF` escape.
"""

import json
import re
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

MAX_DEPTH = 32
MAX_INT_DIGITS = 30
_CONTAINERS = (dict, list)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)


class MalformedJSON(ValueError):
    """The body is not JSON we accept; the message says why, never what it contained."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise MalformedJSON(f"the key {duplicate[:40]!r} appears twice in one object")
    return result


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise MalformedJSON(f"a number has {digits} digits; at most {MAX_INT_DIGITS}")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedJSON("a number is too large to represent")
    return value


def _no_constant(name: str) -> None:
    raise MalformedJSON(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """Nesting depth without recursion (the body may be nested deeper than the stack)."""
    if type(value) not in _CONTAINERS:
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if type(node) is dict else node
        stack.extend((c, depth + 1) for c in children if type(c) in _CONTAINERS)
    return deepest


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedJSON("a string holds a lone UTF-16 surrogate") from None
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def loads_strict(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body; MalformedJSON for anything but plain, reasonable JSON."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedJSON(f"the body is not UTF-8 (byte {error.start})") from None
    try:
        data = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except MalformedJSON:
        raise
    except RecursionError:
        raise MalformedJSON(f"the body is nested more than {max_depth} levels deep") from None
    except ValueError as error:
        raise MalformedJSON(f"the body is not JSON: {error}") from None
    # No more brackets in the body than levels allowed: no walk needed (a beacon's case).
    if raw.count(b"[") + raw.count(b"{") > max_depth and _depth(data) > max_depth:
        raise MalformedJSON(f"the body is nested more than {max_depth} levels deep")
    if _SURROGATE_ESCAPE.search(raw):
        _check_strings(data)
    return data


class StrictParser(Parser):
    """django-ninja's body parser, strict: ninja answers its errors with 400."""

    def parse_body(self, request: HttpRequest) -> Any:
        return loads_strict(request.body)
