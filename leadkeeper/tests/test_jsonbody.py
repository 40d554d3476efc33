"""Issue 15 item 5: malformed JSON is a 400 on every JSON endpoint, never a 500."""

import json

import pytest

from leadkeeper.jsonbody import MalformedJSON, loads_strict

DEEP = b"[" * 16_000 + b"]" * 16_000

MALFORMED = {
    "16,000 levels deep": DEEP,
    "40 objects deep": b'{"a":' * 40 + b"1" + b"}" * 40,
    "a 5,000-digit number": b'{"name": 1' + b"0" * 5000 + b"}",
    "a float beyond double": b'{"duration_ms": 1e999}',
    "NaN": b'{"duration_ms": NaN}',
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "a duplicate key": b'{"consent": false, "consent": true}',
    "a lone surrogate": b'{"name": "\\ud800"}',
}


def test_loads_strict_accepts_ordinary_json_with_emoji_and_cyrillic():
    body = json.dumps({"name": "Иван 😀", "n": [1, 2.5, None, True]}).encode()
    assert loads_strict(body) == {"name": "Иван 😀", "n": [1, 2.5, None, True]}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_loads_strict_refuses_what_json_loads_lets_through(body):
    with pytest.raises(MalformedJSON):
        loads_strict(body)
