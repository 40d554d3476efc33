"""Pacing every worker together under Kommo's limit: a token bucket in one database row.

Kommo allows 7 requests/s per account and blocks integrations that keep exceeding it
(developers.kommo.com, "Limitations"), so the budget is shared by all processes on all
machines: each request reserves a slot under a row lock (select_for_update on PostgreSQL;
SQLite's IMMEDIATE transactions already serialise writers) and sleeps until its slot.

A reservation may drive the bucket negative: that is a queue of future slots, 1/RATE apart,
so concurrent workers interleave instead of colliding. One round trip per request.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import KommoState

BURST = 1.0


def rate() -> float:
    """Requests per second for all workers together.

    Below the documented 7/s so that network jitter never lets 8 land in one second.
    """
    return float(settings.KOMMO_REQUESTS_PER_SECOND)


def _locked_state() -> KommoState:
    """The single state row, locked for this transaction (created on first use)."""
    state = KommoState.objects.select_for_update().filter(pk=1).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            KommoState.objects.create(pk=1, tokens=BURST, tokens_at=timezone.now())
    except IntegrityError:
        pass  # another worker created it first
    return KommoState.objects.select_for_update().get(pk=1)


def kommo_state() -> KommoState:
    """Read the state (no lock); creates the row on first use."""
    state = KommoState.objects.filter(pk=1).first()
    if state is None:
        with transaction.atomic():
            state = _locked_state()
    return state


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(f"kommo-token|{token}".encode()).hexdigest()[:16]


def reserve_request_slot() -> float | None:
    """Reserve one request; seconds to wait before sending it, or None when blocked/paused."""
    with transaction.atomic():
        state = _locked_state()
        now = timezone.now()
        if state.paused_at or (state.blocked_until and state.blocked_until > now):
            return None
        elapsed = max(0.0, (now - state.tokens_at).total_seconds())
        per_second = rate()
        tokens = min(BURST, state.tokens + elapsed * per_second) - 1.0
        state.tokens = tokens
        state.tokens_at = now
        state.save(update_fields=["tokens", "tokens_at"])
    return 0.0 if tokens >= 0 else -tokens / per_second


def push_back(seconds: float) -> None:
    """A request went out `seconds` after its slot: move every later slot by as much.

    Otherwise the late request and the on-time ones after it could put 8 requests into
    one second. Only late requests pay for this write.
    """
    with transaction.atomic():
        state = _locked_state()
        state.tokens -= seconds * rate()
        state.save(update_fields=["tokens"])


def blocked_until() -> datetime | None:
    state = kommo_state()
    if state.blocked_until and state.blocked_until > timezone.now():
        return state.blocked_until
    return None


def block_for(seconds: float) -> datetime:
    """Nobody calls Kommo for `seconds` (Retry-After or outage backoff); returns the end."""
    with transaction.atomic():
        state = _locked_state()
        until = timezone.now() + timedelta(seconds=seconds)
        if not state.blocked_until or state.blocked_until < until:
            state.blocked_until = until
        state.save(update_fields=["blocked_until"])
        return state.blocked_until


def note_failure() -> int:
    """Count a consecutive transient failure (Kommo down); returns the count."""
    with transaction.atomic():
        state = _locked_state()
        state.consecutive_failures += 1
        state.save(update_fields=["consecutive_failures"])
        return state.consecutive_failures


def note_success() -> None:
    KommoState.objects.filter(pk=1).exclude(
        consecutive_failures=0, last_success_at__gte=timezone.now() - timedelta(seconds=5)
    ).update(consecutive_failures=0, last_success_at=timezone.now())


def pause_delivery(*, reason: str) -> None:
    """401/403: stop calling Kommo until staff resume or the token changes."""
    with transaction.atomic():
        state = _locked_state()
        if state.paused_at is None:
            state.paused_at = timezone.now()
        state.pause_reason = reason[:1000]
        state.paused_token = token_fingerprint(settings.KOMMO_ACCESS_TOKEN)
        state.save(update_fields=["paused_at", "pause_reason", "paused_token"])


def resume_delivery() -> None:
    with transaction.atomic():
        state = _locked_state()
        state.paused_at = None
        state.pause_reason = ""
        state.paused_token = ""
        state.blocked_until = None
        state.consecutive_failures = 0
        state.save(
            update_fields=[
                "paused_at",
                "pause_reason",
                "paused_token",
                "blocked_until",
                "consecutive_failures",
            ]
        )


def delivery_paused() -> bool:
    """Paused, unless the operator has since configured a different token (auto-resume)."""
    state = kommo_state()
    if state.paused_at is None:
        return False
    if state.paused_token and state.paused_token != token_fingerprint(settings.KOMMO_ACCESS_TOKEN):
        resume_delivery()
        return False
    return True
