"""The sweeper: lost tasks cost a delay, never a lead; one task per batch of 50."""

import pytest
from django_tasks import default_task_backend

from crm.models import OutboxMessage
from crm.pacing import pause_delivery
from crm.tasks import sweep_outbox

from .factories import make_leads

pytestmark = pytest.mark.django_db


def test_the_sweeper_enqueues_one_task_per_fifty_due_leads(kommo):
    make_leads(120)
    default_task_backend.clear()
    assert sweep_outbox.call() == 3
    ids = [r.args[0] for r in default_task_backend.results]
    assert ids == list(
        OutboxMessage.objects.filter(kind="crm.lead")
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[::50]
    )


def test_the_sweeper_leaves_lead_rows_alone_while_paused_or_unconfigured(kommo, settings):
    make_leads(3)
    pause_delivery(reason="Kommo answered 401")
    assert sweep_outbox.call() == 0
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    assert sweep_outbox.call() == 0


def test_the_sweeper_sends_due_sales_emails(settings):
    settings.SALES_EMAIL = "sales@kommoexpert.ru"
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    make_leads(2)
    assert sweep_outbox.call() == 2
