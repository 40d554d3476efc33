"""The shared Kommo state: asking whether delivery is paused changes nothing."""

import pytest

from crm import pacing
from crm.models import KommoState

pytestmark = pytest.mark.django_db


def test_a_pause_answered_by_a_new_token_is_lifted_only_by_the_resume_service(settings):
    settings.KOMMO_ACCESS_TOKEN = "revoked-token"
    pacing.pause_delivery(reason="401 Unauthorized")
    assert pacing.delivery_paused()

    settings.KOMMO_ACCESS_TOKEN = "renewed-token"
    assert not pacing.delivery_paused()  # the pause no longer applies...
    assert KommoState.objects.get(pk=1).paused_at is not None  # ...but asking wrote nothing

    assert pacing.resume_delivery_if_due() is True
    assert KommoState.objects.get(pk=1).paused_at is None
    assert pacing.resume_delivery_if_due() is False


def test_a_pause_under_the_same_token_is_not_resumed_by_itself(settings):
    settings.KOMMO_ACCESS_TOKEN = "revoked-token"
    pacing.pause_delivery(reason="403 Forbidden")

    assert pacing.resume_delivery_if_due() is False
    assert pacing.delivery_paused() and pacing.reserve_request_slot() is None


def test_reading_the_state_before_any_call_creates_no_row():
    assert not pacing.delivery_paused() and pacing.blocked_until() is None
    assert pacing.poll_cursor() is None
    assert not KommoState.objects.exists()
