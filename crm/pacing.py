"""Pacing every worker together under Kommo's limit: a token bucket in one database row.

This module owns all state shared about Kommo: the KommoState row (bucket, breaker, pause,
poll cursor) and, per process, the connection pool and the time of the last request.

Kommo allows 7 requests/s per account and blocks integrations that keep exceeding it
(developers.kommo.com, "Limitations"), so the budget is shared by all processes on all
machines: each request reserves a slot under a row lock (select_for_update on PostgreSQL;
SQLite's IMMEDIATE transactions already serialise writers) and sleeps until its slot.

A reservation may drive the bucket negative: that is a queue of future slots, 1/RATE apart,
so concurrent workers interleave instead of colliding. One round trip per request.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.kommo.client import KommoClient
from integrations.kommo.payloads import KommoAccount

from .models import KommoState

BURST = 1.0
LATE_SEND_TOLERANCE = 0.04  # s; below the 77 ms slack that 6.5/s leaves in a 7/s window
MAX_SLOT_RETRIES = 3

_last_send = 0.0  # monotonic time of this process's last request to Kommo
_clients: dict[tuple[str, str], KommoClient] = {}
_clients_lock = threading.Lock()


def sleep(seconds: float) -> None:
    """How workers wait for their slot; tests on a virtual clock replace it."""
    time.sleep(seconds)


def make_client() -> KommoClient:
    return KommoClient(base_url=settings.KOMMO_BASE_URL, access_token=settings.KOMMO_ACCESS_TOKEN)


def shared_client() -> KommoClient:
    """One client per process and configuration: its connection pool (and TLS) is reused."""
    key = (settings.KOMMO_BASE_URL, settings.KOMMO_ACCESS_TOKEN)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = make_client()
        return _clients[key]


def forget_clients() -> None:
    with _clients_lock:
        _clients.clear()
        _accounts.clear()


_accounts: dict[tuple[str, str], KommoAccount] = {}


def our_account() -> KommoAccount:
    """The Kommo account our token belongs to: KOMMO_ACCOUNT_ID, or asked once per process."""
    if settings.KOMMO_ACCOUNT_ID:
        return KommoAccount(id=int(settings.KOMMO_ACCOUNT_ID), subdomain="")
    key = (settings.KOMMO_BASE_URL, settings.KOMMO_ACCESS_TOKEN)
    if key not in _accounts:
        wait = reserve_request_slot()
        sleep(wait or 0.0)
        _accounts[key] = shared_client().account()
    return _accounts[key]


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


def kommo_state_if_any() -> KommoState | None:
    """Read the state without creating it (no call to Kommo was ever made without it)."""
    return KommoState.objects.filter(pk=1).first()


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


def wait_for_slot(slot: float, *, sleep: Callable[[float], None]) -> None:
    """Sleep until `slot` (monotonic), then send within LATE_SEND_TOLERANCE of it, or not at all.

    A worker the OS did not run for a while wakes up after its slot; sending then would
    bunch it with the on-time requests of other workers (8 in one second is a 429). It
    takes a new slot instead. Within one process, sends also stay 1/rate apart.
    Raises SlotRefused when a new slot is refused (blocked or paused meanwhile).
    """
    global _last_send
    for attempt in range(MAX_SLOT_RETRIES + 1):
        start = max(slot, _last_send + 1 / rate())
        now = time.monotonic()
        if start > now:
            sleep(start - now)
        late = time.monotonic() - start
        if late <= LATE_SEND_TOLERANCE:
            break
        if attempt == MAX_SLOT_RETRIES:
            push_back(late)  # give up waiting: move everyone else instead
            break
        wait = reserve_request_slot()
        if wait is None:
            raise SlotRefused("blocked (rate limit or outage backoff) or paused")
        slot = time.monotonic() + wait
    _last_send = time.monotonic()


class SlotRefused(Exception):
    """Another worker blocked or paused delivery before our request went out."""


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
    state = kommo_state_if_any()
    if state is not None and state.blocked_until and state.blocked_until > timezone.now():
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


def _token_changed(state: KommoState) -> bool:
    current = token_fingerprint(settings.KOMMO_ACCESS_TOKEN)
    return bool(state.paused_token) and state.paused_token != current


def delivery_paused() -> bool:
    """Paused, unless the operator has since configured a different token. Only reads."""
    state = kommo_state_if_any()
    return bool(state and state.paused_at is not None and not _token_changed(state))


def resume_delivery_if_due() -> bool:
    """Resume a pause the operator has answered with a new token; True when it resumed."""
    state = kommo_state_if_any()
    if state is None or state.paused_at is None or not _token_changed(state):
        return False
    resume_delivery()
    return True


def poll_cursor() -> int | None:
    """Unix time up to which the poll has read Kommo's changed leads."""
    state = kommo_state_if_any()
    return state.poll_cursor if state else None


def advance_poll_cursor(to: int) -> None:
    kommo_state()  # the row exists
    KommoState.objects.filter(pk=1).update(poll_cursor=to)
