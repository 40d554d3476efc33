import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings


def _start(**env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as `manage.py` does at start-up."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "leadkeeper.settings_test", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_vendor_apis_are_off_until_configured():
    assert django_settings.CALCOM_API_KEY == ""
    assert django_settings.CALCOM_API_URL == "https://api.cal.com"
    assert django_settings.GA_PROPERTY_ID == ""
    assert django_settings.GA_USER_DELETION_URL.endswith("userDeletionRequests:upsert")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"GA_PROPERTY_ID": "123"}, "GA_SERVICE_ACCOUNT_FILE is not"),
        ({"GA_SERVICE_ACCOUNT_FILE": "/nonexistent/key.json"}, "/nonexistent/key.json"),
    ],
)
def test_google_configured_without_a_key_file_fails_at_start_naming_the_variable(env, named):
    started = _start(**env)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert named in started.stderr
