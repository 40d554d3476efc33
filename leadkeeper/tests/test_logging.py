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


_DEBUG_SCRIPT = """
import logging
import django
django.setup()
from django.test import Client
client = Client()
client.get("/ivan.petrov@example.com/+79161234567")
client.post("/api/v1/leads", "{", content_type="application/json")
logging.getLogger("django.server").warning('"GET /ivan.petrov@example.com/ HTTP/1.1" 404 179')
logging.getLogger("django.security").error("Invalid HTTP_HOST header: 95.31.18.119")
print("done", flush=True)
"""


def test_with_debug_on_every_log_line_of_django_is_redacted(tmp_path):
    """Issue 15 item 6: Django's own DEBUG-only console handler printed paths unmasked."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "leadkeeper.settings_test",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "LOG_LEVEL": "DEBUG",
    }
    result = subprocess.run(
        [sys.executable, "-c", _DEBUG_SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert "done" in result.stdout, result.stderr[-2000:]
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert any("Not Found" in line for line in lines)
    for line in lines:
        for secret in ("ivan.petrov@example.com", "9161234567", "95.31.18.119"):
            assert secret not in line, line
