import pytest

from leadkeeper.logging import redact


@pytest.mark.parametrize(
    "text",
    [
        "+7 (916) 123-45-67",
        "89161234567",
        "ivan@example.com",
        "95.31.18.119",
        "2a02:6b8::1",
        "/api/v4/contacts?query=%2B79161234567",
        "?query=ivan%40example.com",
    ],
)
def test_personal_data_is_masked(text):
    redacted = redact(f"value {text} end")
    assert "[MASKED]" in redacted
    for secret in ("9161234567", "ivan@example.com", "95.31.18.119", "2a02:6b8::1", "%2B7", "%40"):
        assert secret not in redacted


@pytest.mark.parametrize(
    "text", ["lead_id=42 status=429", "at 14:17:53", 'HTTP/1.1" 422 263', "2026-11-25"]
)
def test_ordinary_log_values_survive(text):
    assert redact(text) == text
