"""Leads waiting in the outbox, made the way capture makes them (subject by blind index)."""

from django.utils import timezone

from capture.models import Lead
from crm.models import OutboxMessage
from crm.services import queue_lead_delivery
from leadkeeper.crypto import blind_index
from subjects.models import Subject


def make_lead(
    *,
    name: str = "Ivan Petrov",
    phone: str = "+79161234567",
    email: str = "ivan.petrov@example.com",
    **fields: object,
) -> Lead:
    phone_index, email_index = blind_index(phone), blind_index(email)
    subject = Subject.objects.filter(phone_index=phone_index).first()
    if subject is None and email_index:
        subject = Subject.objects.filter(email_index=email_index).first()
    if subject is None:
        subject = Subject.objects.create(phone_index=phone_index, email_index=email_index)
    values = {
        "channel": Lead.Channel.WEB_FORM,
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "kommo_autumn",
        "ip_address": "95.31.18.119",
        "message": "We need Kommo for 12 managers",
        "created_at": timezone.now(),
    }
    values.update(fields)
    lead = Lead.objects.create(
        subject=subject,
        name=name,
        phone=phone,
        email=email or None,
        phone_index=phone_index,
        email_index=email_index,
        **values,
    )
    queue_lead_delivery(lead=lead)
    return lead


def make_leads(count: int, *, start: int = 0) -> list[Lead]:
    """`count` different people, one lead each."""
    return [
        make_lead(
            name=f"Person {i}",
            phone=f"+7916{1000000 + i:07d}",
            email=f"person{i}@example.com",
        )
        for i in range(start, start + count)
    ]


def lead_row(lead: Lead) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=OutboxMessage.Kind.CRM_LEAD, ref=lead.pk)
