"""The retention desk in a browser: the overdue warning, held clients, the run history.

Writes docs/retention-desk.png when LK_SCREENSHOTS_DIR is set (see docs/retention.md).
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from capture.models import Lead
from crm.tests.factories import make_lead
from retention.services.sweep import sweep
from subjects.models import Subject

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _aged(lead: Lead, *, years: int) -> Lead:
    past = timezone.now() - timedelta(days=365 * years + 2)
    Subject.objects.filter(pk=lead.subject_id).update(last_interaction_at=past)
    Lead.objects.filter(pk=lead.pk).update(retention_from=past, created_at=past)
    return lead


def test_the_dpo_sees_what_is_overdue_what_is_held_and_what_each_run_did(
    browser_page, live_server, tmp_path
):
    _aged(make_lead(phone="+79160000001", email="a@example.com"), years=4)
    client = _aged(make_lead(phone="+79160000002", email="b@example.com"), years=4)
    Lead.objects.filter(pk=client.pk).update(won_at=timezone.now() - timedelta(days=900))
    sweep(duty=1)
    _aged(make_lead(phone="+79160000003", email="c@example.com"), years=4)  # arrived overdue

    user = User.objects.create_user("dpo", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name="dpo")[0])
    session = Client()
    session.force_login(user)
    browser_page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    browser_page.goto("/desk/retention/")

    warning = browser_page.get_by_role("alert")
    assert "1 record overdue by more than a day" in warning.inner_text()
    table = browser_page.locator("table").first.inner_text()
    assert "3 years from last interaction" in table
    assert "1 leads: client contract held (Art. 17(3)(b))" in table
    history = browser_page.locator("table").nth(1).inner_text()
    assert "contact capture.lead: deleted 1" in history
    browser_page.get_by_role("button", name="Reject all").click()  # the consent banner
    browser_page.locator("#lk-consent .lkc-box").wait_for(state="hidden")
    directory = Path(os.environ.get("LK_SCREENSHOTS_DIR") or tmp_path)
    browser_page.screenshot(path=str(directory / "retention-desk.png"), full_page=True)
