"""`manage.py retention`: the dry run in the policy's words, the sweep, the vendor check."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from capture.models import Lead
from crm.tests.factories import make_lead
from integrations.google.tests.google_double import GoogleDouble
from retention.models import RetentionRun

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("retention", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_dry_run_lists_what_would_go_in_the_policys_words_and_changes_nothing():
    with time_machine.travel(T0, tick=False):
        lead = make_lead()
    with time_machine.travel(datetime(2029, 1, 20, tzinfo=UTC), tick=False):
        output = _run("--dry-run")

    assert "Contact form data (3 years from last interaction): 1 would go" in output
    assert "oldest clock 2026-01-15" in output
    assert "1 overdue by more than a day" in output
    assert "capture.lead: 1 (delete)" in output
    assert Lead.objects.filter(pk=lead.pk).exists()
    run = RetentionRun.objects.get()
    assert run.dry_run and run.counts["contact"]["capture.lead"] == {"would_go": 1}
    assert AuditEvent.objects.filter(action="retention.dry_run").count() == 1


def test_the_sweep_reports_its_counts_and_writes_a_run_record():
    with time_machine.travel(T0, tick=False):
        make_lead()
    with time_machine.travel(datetime(2029, 1, 20, tzinfo=UTC), tick=False):
        output = _run("--no-progress")
    assert "contact capture.lead: deleted 1" in output
    assert Lead.objects.count() == 0
    assert RetentionRun.objects.get().state == "done"


def test_without_credentials_the_vendor_check_says_it_could_not_check(settings):
    settings.GA_PROPERTY_ID = ""
    output = _run("--check-vendors")
    assert "google_analytics: could not check" in output


@pytest.fixture
def google(tmp_path, settings):
    double = GoogleDouble.with_service_account(tmp_path, properties=("123456789",))
    settings.GA_PROPERTY_ID = "123456789"
    settings.GA_SERVICE_ACCOUNT_FILE = str(double.key_file)
    settings.GA_ADMIN_API_URL = double.url
    yield double
    double.stop()


def test_a_ga4_property_keeping_data_longer_than_the_register_fails_the_check(google):
    google.retention["123456789"] = {
        "eventDataRetention": "TWENTY_SIX_MONTHS",
        "userDataRetention": "FOURTEEN_MONTHS",
        "resetUserDataOnNewActivity": True,
    }
    out = StringIO()
    with pytest.raises(CommandError, match="longer than the register allows"):
        call_command("retention", "--check-vendors", stdout=out)
    text = out.getvalue()
    assert "WARNING: GA4 keeps event data 26 months, longer than the register's 14" in text
    assert "resets user data retention on new activity" in text


def test_a_ga4_property_within_fourteen_months_passes(google):
    google.retention["123456789"] = {
        "eventDataRetention": "FOURTEEN_MONTHS",
        "userDataRetention": "TWO_MONTHS",
        "resetUserDataOnNewActivity": False,
    }
    output = _run("--check-vendors")
    assert "GA4 keeps event data 14 months (register: 14)" in output
    assert "WARNING" not in output


def test_a_refused_ga4_call_says_it_could_not_check(google):
    google.properties.clear()  # the service account was not added to the property
    output = _run("--check-vendors")
    assert "google_analytics: could not check:" in output
