"""The delivery job: the outbox is the queue, woken by the scheduler while a row is due."""

import pytest
from django_tasks import default_task_backend

from crm.models import OutboxMessage
from crm.pacing import pause_delivery
from crm.schedule import JOBS
from crm.selectors import outbox_has_due_rows
from crm.tasks import deliver_due_outbox
from leadkeeper import scheduling

from .factories import make_leads

pytestmark = pytest.mark.django_db

DELIVER = next(job for job in JOBS if job.name == "crm.deliver_outbox")


def test_one_run_delivers_every_due_lead_in_batches_of_fifty(kommo):
    make_leads(120)
    output = deliver_due_outbox.call()
    assert output.count("claimed 50") == 2 and "claimed 20" in output
    assert not OutboxMessage.objects.filter(state="pending").exists()
    assert len(kommo.markers()) == 120 and set(kommo.markers().values()) == {1}


def test_the_scheduler_wakes_delivery_only_while_a_row_is_due(kommo):
    default_task_backend.clear()
    assert not scheduling.enqueue_if_leader(DELIVER, holder="me")
    make_leads(2)
    assert scheduling.enqueue_if_leader(DELIVER, holder="me")
    assert [r.task for r in default_task_backend.results] == [deliver_due_outbox]


def test_lead_rows_wait_while_paused_or_unconfigured(kommo, settings):
    make_leads(3)
    pause_delivery(reason="Kommo answered 401")
    assert not outbox_has_due_rows()
    assert "paused" in deliver_due_outbox.call()
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    assert deliver_due_outbox.call() == "nothing due"
    assert OutboxMessage.objects.filter(state="pending").count() == 3


def test_due_sales_emails_are_sent_without_kommo(settings, mailoutbox):
    settings.SALES_EMAIL = "sales@kommoexpert.ru"
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    make_leads(2)
    assert outbox_has_due_rows()
    assert deliver_due_outbox.call() == "sent; sent"
    assert len(mailoutbox) == 2
