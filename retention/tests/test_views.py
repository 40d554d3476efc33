"""/desk/retention/: DPO only; rules in the policy's words, overdue warning, run history."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from crm.tests.factories import make_lead
from retention.services.sweep import sweep

pytestmark = pytest.mark.django_db

DESK = "/desk/retention/"
T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def _login(client, group: str):
    user = User.objects.create_user(group, password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    client.force_login(user)
    return client


def test_the_desk_needs_a_login(client):
    response = client.get(DESK)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_sales_cannot_see_the_retention_desk(client):
    response = _login(client, "sales").get(DESK)
    assert response.status_code == 302


def test_the_dpo_sees_each_rule_in_the_policys_words():
    from django.test import Client

    response = _login(Client(), "dpo").get(DESK)
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 years from last interaction" in page
    assert "5 years after contract completion" in page
    assert "90 days from the event" in page
    assert "overdue by more than a day" not in page
    assert response["Cache-Control"] == "no-store"


def test_the_desk_warns_when_something_is_overdue_by_more_than_a_day(client):
    with time_machine.travel(T0, tick=False):
        make_lead()
    with time_machine.travel(datetime(2029, 1, 15, 12, 0, tzinfo=UTC), tick=False):
        dpo = _login(client, "dpo")
        page = dpo.get(DESK).content.decode()
        assert "Run history" in page and "overdue by more than a day" not in page
    with time_machine.travel(datetime(2029, 1, 17, 12, 0, tzinfo=UTC), tick=False):
        dpo.force_login(User.objects.get(username="dpo"))
        page = dpo.get(DESK).content.decode()
    assert "1 record overdue by more than a day" in page


def test_the_run_history_shows_what_each_run_did(client):
    with time_machine.travel(T0, tick=False):
        make_lead()
    with time_machine.travel(datetime(2029, 2, 1, tzinfo=UTC), tick=False):
        sweep()
        page = _login(client, "dpo").get(DESK).content.decode()
    assert "contact capture.lead: deleted 1" in page


def test_the_desk_shows_each_runs_actions_at_recipients_by_state_with_the_last_error(client):
    from retention.models import RecipientAction, RetentionRun

    run = RetentionRun.objects.create(as_of=T0, state=RetentionRun.State.DONE)
    states = ["pending", "retrying", "failed", "waiting", "done"]
    for n, state in enumerate(states):
        RecipientAction.objects.create(
            recipient="kommo",
            rule="contact",
            run=run,
            target={"kommo_contact_id": 800 + n},
            target_key=f"lead:{n}",
            state=state,
            last_error="Kommo PATCH /api/v4/contacts answered 503" if state == "retrying" else "",
        )
    page = _login(client, "dpo").get(DESK).content.decode()
    for state in states:
        assert f"{state} 1<br>" in page  # the run's line counts every state
    assert "Kommo PATCH /api/v4/contacts answered 503" in page
    assert "lead:4" not in page  # done: nothing left to look at
