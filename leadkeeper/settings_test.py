"""Settings for the test suite: fixed throwaway secrets, the same code paths otherwise."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "uP1aXs8TnXzX7o9wq3b3F6l6s0k5m6Q4sQ8r1x2y3z4=,Xq9jJ8m7QZk1Vb2nC3x4Z5a6S7d8F9g0H1j2K3l4M5s=",
)
os.environ.setdefault("LEAD_MIN_FILL_SECONDS", "3")
# Most staff tests log in with force_login; the second factor has its own tests, which
# turn this on (leadkeeper/tests/test_staff_auth.py).
os.environ.setdefault("STAFF_REQUIRE_2FA", "false")
# Tests read what the collector stored right after it answered; the buffer has its own tests,
# which start real servers (analytics/tests/test_buffer*.py).
os.environ.setdefault("COLLECTOR_BUFFER_SECONDS", "0")

from .settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "leadkeeper.sqlite_backend":  # noqa: F405
    # A file, not shared-cache memory: browser tests' live server answers from another thread,
    # and a file database makes a concurrent writer wait instead of failing "table is locked".
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"leadkeeper-test-{os.getpid()}.sqlite3")
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
