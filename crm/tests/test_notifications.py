"""Sales hear about each new lead by email: a link, never the person's data."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context
from crm.models import OutboxMessage
from crm.tasks import deliver_outbox_message

pytestmark = pytest.mark.django_db


def test_a_new_lead_emails_sales_a_back_office_link_without_personal_data(settings):
    settings.SALES_EMAIL = "sales@kommoexpert.ru"
    settings.SITE_URL = "https://kommoexpert.ru"
    lead = capture_lead(data=lead_data(), context=request_context(), channel="web_form")
    notice = OutboxMessage.objects.get(kind="crm.notify", ref=lead.pk)

    assert deliver_outbox_message.call(notice.pk) == "sent"

    (email,) = mail.outbox
    assert email.to == ["sales@kommoexpert.ru"]
    assert email.subject == f"Новая заявка с сайта №{lead.pk}"  # STAFF_LANGUAGE, ru by default
    assert f"https://kommoexpert.ru/admin/capture/lead/{lead.pk}/change/" in email.body
    for personal in ("Ivan", "Petrov", "+7916", "9161234567", "example.com", "95.31.18"):
        assert personal not in email.subject and personal not in email.body
    notice.refresh_from_db()
    assert notice.state == "delivered"
    # Sent once: the task running again does nothing.
    assert "already delivered" in deliver_outbox_message.call(notice.pk)
    assert len(mail.outbox) == 1


def test_a_notification_another_worker_is_sending_is_not_sent_twice(settings):
    settings.SALES_EMAIL = "sales@kommoexpert.ru"
    lead = capture_lead(data=lead_data(), context=request_context(), channel="api")
    notice = OutboxMessage.objects.get(kind="crm.notify", ref=lead.pk)
    # The first task is talking to SMTP when the sweeper's copy of it runs.
    OutboxMessage.objects.filter(pk=notice.pk).update(
        claimed_by="other:1:1", claimed_until=timezone.now() + timedelta(minutes=1)
    )

    assert "another worker" in deliver_outbox_message.call(notice.pk)
    assert mail.outbox == []

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):  # that worker died
        assert deliver_outbox_message.call(notice.pk) == "sent"
    assert len(mail.outbox) == 1


def test_sales_email_goes_out_even_while_kommo_is_not_configured(settings):
    settings.SALES_EMAIL = "sales@kommoexpert.ru"
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    lead = capture_lead(data=lead_data(), context=request_context(), channel="api")
    notice = OutboxMessage.objects.get(kind="crm.notify", ref=lead.pk)
    assert deliver_outbox_message.call(notice.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_mail_failure_is_retried_later(settings, monkeypatch):
    settings.SALES_EMAIL = "sales@kommoexpert.ru"
    lead = capture_lead(data=lead_data(), context=request_context(), channel="api")
    notice = OutboxMessage.objects.get(kind="crm.notify", ref=lead.pk)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("crm.notifications.send_mail", refuse)
    assert deliver_outbox_message.call(notice.pk).startswith("failed")
    notice.refresh_from_db()
    assert notice.state == "pending" and notice.attempts == 1 and "smtp down" in notice.last_error


def test_without_sales_email_no_notification_is_queued(settings):
    settings.SALES_EMAIL = ""
    capture_lead(data=lead_data(), context=request_context(), channel="api")
    assert not OutboxMessage.objects.filter(kind="crm.notify").exists()
