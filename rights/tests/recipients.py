"""The recipients of policy §6 as local doubles, configured as ours, for the rights tests."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking
from capture.models import Lead
from consent.models import AnalyticsClientId
from crm import pacing
from crm.tests.kommo_double import KommoDouble
from integrations.calcom.tests.calcom_double import CalcomDouble
from integrations.google.tests.google_double import GoogleDouble
from leadkeeper.crypto import blind_index

PROPERTY_ID = "123456789"


@pytest.fixture
def kommo(settings):
    double = KommoDouble(token="rights-kommo-token").start()
    settings.KOMMO_BASE_URL, settings.KOMMO_ACCESS_TOKEN = double.url, double.token
    pacing.forget_clients()
    yield double
    pacing.forget_clients()
    double.stop()


@pytest.fixture
def calcom(settings):
    with CalcomDouble(api_key="cal_rights_key") as double:
        settings.CALCOM_API_KEY, settings.CALCOM_API_URL = double.api_key, double.url
        yield double


@pytest.fixture
def google(settings, tmp_path):
    double = GoogleDouble.with_service_account(tmp_path, properties=(PROPERTY_ID,))
    settings.GA_PROPERTY_ID = PROPERTY_ID
    settings.GA_SERVICE_ACCOUNT_FILE = str(double.key_file)
    settings.GA_USER_DELETION_URL = double.upsert_url
    yield double
    double.stop()


def in_kommo(kommo: KommoDouble, captured: Lead) -> tuple[int, int]:
    """Deliver `captured` to the double as crm would have: a contact and a lead, ids kept."""
    contact_id = kommo.create_contact(
        name=captured.name, phone=captured.phone, email=captured.email
    )
    lead_id = kommo.new_id()
    with kommo.lock:
        kommo.leads[lead_id] = {
            "id": lead_id,
            "name": f"Website request #{captured.pk}",
            "status_id": 1001,
            "pipeline_id": 7000,
            "created_at": 0,
            "updated_at": 0,
            "closed_at": None,
            "tags": [f"lk-{captured.pk}"],
            "contact_ids": [contact_id],
            "custom_fields_values": [{"field_code": "GCLID", "values": [{"value": "gclid-1"}]}],
        }
    Lead.objects.filter(pk=captured.pk).update(kommo_lead_id=lead_id, kommo_contact_id=contact_id)
    return contact_id, lead_id


def booked(calcom: CalcomDouble, captured: Lead, *, days: int) -> str:
    """A booking at Cal.com and as its webhook recorded it here (`days` from now)."""
    start = timezone.now() + timedelta(days=days)
    uid = calcom.add_booking(email=captured.email, start=start)
    Booking.objects.create(
        uid=uid,
        status=Booking.Status.SCHEDULED,
        start_time=start,
        end_time=start + timedelta(minutes=30),
        email=captured.email,
        email_index=blind_index(captured.email),
        subject=captured.subject,
        lead=captured,
        last_event_at=timezone.now(),
    )
    return uid


def ga_client_id(captured: Lead, client_id: str = "1197596843.1673515452") -> str:
    AnalyticsClientId.objects.create(
        consent_id=uuid.uuid4(), client_id=client_id, subject=captured.subject
    )
    return client_id
