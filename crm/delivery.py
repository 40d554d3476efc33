"""Deliver outbox rows to Kommo: batched, paced, retried, and exactly once.

One call of `deliver_batch()` claims up to 50 due lead rows (no other worker can take them
while the lease lasts), looks up in Kommo any row a previous attempt may have created
(exactly once across crashes), then sends the rest in as few requests as Kommo allows and
records Kommo's ids on the leads in the same transaction that marks the rows delivered.

Failures are sorted by type (integrations.kommo.errors):
- 429: everyone waits Retry-After (a block in the shared state), rows retry after it;
- 5xx, timeouts: a shared breaker backs off exponentially with jitter; rows keep their
  order, so when Kommo comes back the oldest go first;
- 401/403: delivery pauses (staff see it in the back office), no retries are burnt;
- 400 with validation errors: the named rows go to the dead-letter state with the reason,
  where staff fix the lead and retry; the rest of the batch goes on.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record_event
from capture.models import Lead
from consent.selectors import leads_with_withdrawn_consent
from integrations.kommo.client import KommoClient
from integrations.kommo.errors import (
    KommoError,
    KommoRateLimited,
    KommoRejected,
    KommoUnauthorized,
)
from integrations.kommo.payloads import MAX_LEADS_PER_REQUEST, CreatedLead, LeadIn
from leadkeeper.logging import redact

from . import pacing
from .mapping import (
    SOURCE_NAME,
    SOURCE_UID,
    form_metadata,
    lead_id_from_marker,
    lead_to_kommo,
)
from .models import OutboxMessage
from .selectors import kommo_configured

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)  # far above the client's timeout: a live worker keeps its rows
RECONCILE_MARGIN = timedelta(minutes=10)  # clock skew between us and Kommo
RECONCILE_MAX_PAGES = 20
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 15 * 60.0
RATE_LIMIT_DEFAULT_WAIT = 1.0
CONTACT_LOOKUPS_PER_BATCH = 5
MAX_SLOT_RETRIES = 3
LATE_SEND_TOLERANCE = 0.04  # s; below the 77 ms slack that 6.5/s leaves in a 7/s window


class SimulatedCrash(BaseException):
    """Raised by fault-injection hooks in tests: like a killed worker, it skips all cleanup."""


# Fault injection for tests: called with "before_call", "after_call" (Kommo accepted, our
# commit not yet made) and "after_commit". None in production.
fault_hook: Callable[[str], None] | None = None


def _fault(point: str) -> None:
    if fault_hook is not None:
        fault_hook(point)


@dataclass
class BatchReport:
    claimed: int = 0
    delivered: int = 0
    dead: int = 0
    retry: int = 0
    reconciled: int = 0
    requests: int = 0
    stopped: str = ""
    delivered_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"claimed {self.claimed}, delivered {self.delivered} "
            f"(found after a crash {self.reconciled}), dead {self.dead}, retry {self.retry}, "
            f"{self.requests} requests"
        )
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


class _Stop(Exception):
    """Internal: Kommo said stop (rate limit, outage, auth); rows are already rescheduled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NotSent(_Stop):
    """Internal: another worker blocked or paused delivery before our request went out."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


_last_send = 0.0  # monotonic time of this process's last request to Kommo
_clients: dict[tuple[str, str], KommoClient] = {}
_clients_lock = threading.Lock()


def make_client() -> KommoClient:
    return KommoClient(base_url=settings.KOMMO_BASE_URL, access_token=settings.KOMMO_ACCESS_TOKEN)


def shared_client() -> KommoClient:
    """One client per process and configuration: its connection pool (and TLS) is reused."""
    key = (settings.KOMMO_BASE_URL, settings.KOMMO_ACCESS_TOKEN)
    with _clients_lock:
        if key not in _clients:
            _clients[key] = make_client()
        return _clients[key]


def backoff_seconds(attempt: int, *, retry_after: float | None = None) -> float:
    """Exponential backoff with equal jitter, never shorter than Kommo's Retry-After."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0.0)


# --- claims ----------------------------------------------------------------------------------


def claim_due_messages(
    *, worker: str, limit: int = MAX_LEADS_PER_REQUEST, kind: str = OutboxMessage.Kind.CRM_LEAD
) -> list[OutboxMessage]:
    """Take up to `limit` due rows, oldest first, for `worker` alone until the lease ends."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            kind=kind,
            state=OutboxMessage.State.PENDING,
            next_attempt_at__lte=now,
        ).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: rows another worker is claiming right now are skipped, not waited on.
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        if rows:
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                claimed_by=worker, claimed_until=now + LEASE
            )
    for row in rows:
        row.claimed_by, row.claimed_until = worker, now + LEASE
    return rows


def _mine(worker: str, ids: Iterable[int]):
    return OutboxMessage.objects.filter(
        pk__in=list(ids), claimed_by=worker, state=OutboxMessage.State.PENDING
    )


def _release(worker: str, ids: Iterable[int], **changes: object) -> int:
    return _mine(worker, ids).update(claimed_by="", claimed_until=None, **changes)


def _reschedule(
    worker: str,
    rows: list[OutboxMessage],
    *,
    at: datetime,
    error: str,
    in_doubt: bool | None,
    attempted: bool = True,
) -> None:
    """Give rows back for a later try; in_doubt=False when Kommo certainly created nothing."""
    changes: dict[str, object] = {"next_attempt_at": at, "last_error": redact(error)[:2000]}
    if attempted:
        changes["attempts"] = F("attempts") + 1
    if in_doubt is False:
        changes["in_doubt_since"] = None
    _release(worker, [r.pk for r in rows], **changes)


def _mark_dead(worker: str, row: OutboxMessage, reason: str) -> None:
    _release(
        worker,
        [row.pk],
        state=OutboxMessage.State.DEAD,
        last_error=redact(reason)[:2000],
        in_doubt_since=None,
    )
    logger.warning("crm.delivery.dead", extra={"message_id": row.pk, "lead_id": row.ref})


def _reserve_and_mark_in_doubt(
    worker: str, rows: list[OutboxMessage]
) -> tuple[float, list[OutboxMessage]]:
    """Reserve a request slot and mark the rows in doubt, committed before the request.

    If we die after Kommo accepted, the next try looks for the leads first. One write
    transaction for both, so workers on SQLite queue for the write lock once per request.
    Returns the wait and the rows still ours: a row whose lease ran out while this batch
    was busy (slow requests, one-by-one resends) may belong to another worker now, and
    sending it too would create the lead twice. The rows kept get a fresh lease.
    """
    with transaction.atomic():
        wait = pacing.reserve_request_slot()
        if wait is None:
            raise _NotSent("blocked (rate limit or outage backoff) or paused")
        slot = time.monotonic() + wait
        now = timezone.now()
        ours = set(
            _mine(worker, [row.pk for row in rows]).select_for_update().values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ours).update(
            in_doubt_since=now, claimed_until=now + LEASE
        )
    rows = [row for row in rows if row.pk in ours]
    for row in rows:
        row.in_doubt_since, row.claimed_until = now, now + LEASE
    # The slot is a point in time: the commit's own duration is not added to the wait, so
    # requests stay 1/rate apart however long the commit took.
    return max(0.0, slot - time.monotonic()), rows


def _store_kommo_ids(leads: list[Lead]) -> None:
    """One prepared UPDATE run for every lead (bulk_update's CASE costs more than the call)."""
    meta = Lead._meta
    table = connection.ops.quote_name(meta.db_table)
    lead_col = connection.ops.quote_name(meta.get_field("kommo_lead_id").column)
    contact_col = connection.ops.quote_name(meta.get_field("kommo_contact_id").column)
    pk_col = connection.ops.quote_name(meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {lead_col} = %s, {contact_col} = %s WHERE {pk_col} = %s",  # noqa: S608 - identifiers from model meta, values bound
            [(lead.kommo_lead_id, lead.kommo_contact_id, lead.pk) for lead in leads],
        )


@transaction.atomic
def _record_delivered(
    worker: str,
    rows: dict[str, OutboxMessage],
    created: Iterable[CreatedLead],
    *,
    leads: dict[int, Lead],
    found: bool,
) -> list[int]:
    """Kommo's ids onto the leads and the rows delivered, in one transaction."""
    now = timezone.now()
    answered = {item.request_id: item for item in created if item.request_id in rows}
    # Rows whose lease ran out went to another worker: it will find the lead by its tag.
    still_mine = set(_mine(worker, [rows[key].pk for key in answered]).values_list("pk", flat=True))
    done = [rows[key].pk for key in answered if rows[key].pk in still_mine]
    if not done:
        return []
    OutboxMessage.objects.filter(pk__in=done).update(
        state=OutboxMessage.State.DELIVERED,
        delivered_at=now,
        in_doubt_since=None,
        claimed_by="",
        claimed_until=None,
        last_error="",
    )
    updated: list[Lead] = []
    for key, item in answered.items():
        if rows[key].pk not in still_mine:
            continue
        lead = leads[rows[key].ref]
        lead.kommo_lead_id = item.lead_id
        lead.kommo_contact_id = item.contact_id or lead.kommo_contact_id
        updated.append(lead)
    _store_kommo_ids(updated)
    # One event per request, not per lead: the audit chain is a single serialised writer,
    # and 50 appends would cost more than the request itself. Each lead's own proof is
    # its kommo_lead_id and its outbox row's delivered_at; the event lists them all.
    record_event(
        actor="system:crm",
        action="leads.sent_to_kommo",
        reason="lead management in the Kommo CRM (policy §3, recipient §6)",
        data={
            "lead_ids": [lead.pk for lead in updated],
            "subject_ids": sorted({lead.subject_id for lead in updated if lead.subject_id}),
            "kommo_lead_ids": [lead.kommo_lead_id for lead in updated],
            "found_after_retry": found,
        },
    )
    pacing.note_success()
    return done


# --- the batch ---------------------------------------------------------------------------------


class _Batch:
    def __init__(self, *, worker: str, client: KommoClient, sleep: Callable[[float], None]):
        self.worker = worker
        self.client = client
        self.sleep = sleep
        self.report = BatchReport()
        self.leads: dict[int, Lead] = {}

    # Every request to Kommo goes through here, after a slot from the shared bucket.
    def _call(self, function: Callable, *args: object, wait: float | None = None, **kwargs):
        if wait is None:
            wait = pacing.reserve_request_slot()
            if wait is None:
                raise _NotSent("blocked (rate limit or outage backoff) or paused")
        slot = time.monotonic() + wait
        self.report.requests += 1
        return function(*args, before_send=lambda: self._wait_for(slot), **kwargs)

    def _wait_for(self, slot: float) -> None:
        """Sleep until our slot, then send within LATE_SEND_TOLERANCE of it, or not at all.

        A worker the OS did not run for a while wakes up after its slot; sending then would
        bunch it with the on-time requests of other workers (8 in one second is a 429). It
        takes a new slot instead. Within one process, sends also stay 1/rate apart.
        """
        global _last_send
        for attempt in range(MAX_SLOT_RETRIES + 1):
            start = max(slot, _last_send + 1 / pacing.rate())
            now = time.monotonic()
            if start > now:
                self.sleep(start - now)
            late = time.monotonic() - start
            if late <= LATE_SEND_TOLERANCE:
                break
            if attempt == MAX_SLOT_RETRIES:
                pacing.push_back(late)  # give up waiting: move everyone else instead
                break
            wait = pacing.reserve_request_slot()
            if wait is None:
                raise _NotSent("blocked (rate limit or outage backoff) or paused")
            slot = time.monotonic() + wait
        _last_send = time.monotonic()

    def _handle(self, error: KommoError, rows: list[OutboxMessage]) -> None:
        """Reschedule `rows` after a failed request and stop this batch (raises _Stop)."""
        now = timezone.now()
        self.report.retry += len(rows)
        if isinstance(error, KommoRateLimited):
            wait = error.retry_after or RATE_LIMIT_DEFAULT_WAIT
            until = pacing.block_for(wait)
            logger.warning("crm.delivery.rate_limited", extra={"retry_after": wait})
            # 429: Kommo did nothing, nothing is in doubt.
            _reschedule(self.worker, rows, at=until, error=str(error), in_doubt=False)
            raise _Stop(f"rate limited for {wait:.1f} s")
        if isinstance(error, KommoUnauthorized):
            pacing.pause_delivery(reason=str(error))
            logger.error("crm.delivery.paused", extra={"status": error.status})
            # Not the rows' fault: no attempt is counted against them.
            _reschedule(
                self.worker, rows, at=now, error=str(error), in_doubt=False, attempted=False
            )
            raise _Stop("paused: Kommo refused the token")
        # KommoUnavailable and anything unexpected: Kommo may have processed the request.
        maybe = getattr(error, "maybe_processed", True)
        failures = pacing.note_failure()
        retry_after = getattr(error, "retry_after", None)
        until = pacing.block_for(backoff_seconds(failures, retry_after=retry_after))
        logger.warning(
            "crm.delivery.unavailable",
            extra={"status": error.status, "failures": failures, "rows": len(rows)},
        )
        _reschedule(
            self.worker, rows, at=until, error=str(error), in_doubt=None if maybe else False
        )
        raise _Stop(f"Kommo unavailable, retrying at {until:%H:%M:%S}")

    def run(self, rows: list[OutboxMessage]) -> None:
        self.report.claimed = len(rows)
        self.leads = {
            lead.pk: lead
            for lead in Lead.objects.filter(pk__in=[r.ref for r in rows]).select_related("subject")
        }
        sendable = self._screen(rows)
        in_doubt = [r for r in sendable if r.in_doubt_since]
        if in_doubt:
            found = self._reconcile(in_doubt)
            sendable = [r for r in sendable if r.pk not in found]
        contacts = self._known_contacts(sendable)
        waiting = list(sendable)
        while waiting:
            round_rows, waiting = self._plan_round(waiting, contacts)
            self._send(round_rows, contacts)

    def _screen(self, rows: list[OutboxMessage]) -> list[OutboxMessage]:
        """Rows that can be sent now; the others are settled here."""
        sendable = []
        withdrawn = leads_with_withdrawn_consent(lead_ids=list(self.leads))
        for row in rows:
            lead = self.leads.get(row.ref)
            if lead is None:
                _mark_dead(self.worker, row, f"lead {row.ref} no longer exists")
                self.report.dead += 1
            elif lead.pk in withdrawn:
                # The lead's only legal basis is the form consent (register: lead_management);
                # once withdrawn, it is not disclosed to Kommo (policy §4, GDPR Art. 7(3)).
                _mark_dead(self.worker, row, f"lead {row.ref}: consent withdrawn before delivery")
                self.report.dead += 1
            elif lead.subject and lead.subject.erased_at:
                _mark_dead(self.worker, row, f"lead {row.ref} was erased before delivery")
                self.report.dead += 1
            elif lead.subject and lead.subject.restricted_at:
                # Art. 18: stored but not otherwise processed while restricted.
                _reschedule(
                    self.worker,
                    [row],
                    at=timezone.now() + timedelta(hours=1),
                    error="processing restricted (GDPR Art. 18): waiting",
                    in_doubt=None,
                )
                self.report.retry += 1
            elif lead.kommo_lead_id:
                _release(
                    self.worker,
                    [row.pk],
                    state=OutboxMessage.State.DELIVERED,
                    delivered_at=timezone.now(),
                    in_doubt_since=None,
                )
                self.report.delivered += 1
            else:
                sendable.append(row)
        return sendable

    def _reconcile(self, rows: list[OutboxMessage]) -> set[int]:
        """Find in Kommo the leads an earlier, interrupted attempt created (by our tag)."""
        by_lead = {row.ref: row for row in rows}
        # We send each lead's own created_at and Kommo keeps it, so a lead that waited in
        # the outbox is listed under that older time, not under the attempt's time.
        oldest = min(
            [row.in_doubt_since for row in rows] + [self.leads[row.ref].created_at for row in rows]
        )
        since = oldest - RECONCILE_MARGIN
        found: dict[int, CreatedLead] = {}
        page = 1
        while len(found) < len(by_lead) and page <= RECONCILE_MAX_PAGES:
            try:
                result = self._call(
                    self.client.leads_created_since, int(since.timestamp()), page=page
                )
            except KommoError as error:
                self._handle(error, rows)
            for kommo_lead in result.leads:
                for tag in kommo_lead.tags:
                    lead_id = lead_id_from_marker(tag)
                    if lead_id in by_lead and lead_id not in found:
                        found[lead_id] = CreatedLead(
                            request_id=str(lead_id),
                            lead_id=kommo_lead.id,
                            contact_id=kommo_lead.contact_ids[0]
                            if kommo_lead.contact_ids
                            else None,
                        )
            if not result.has_next:
                break
            page += 1
        done = _record_delivered(
            self.worker,
            {str(k): v for k, v in by_lead.items()},
            found.values(),
            leads=self.leads,
            found=True,
        )
        self.report.delivered += len(done)
        self.report.reconciled += len(done)
        self.report.delivered_ids.extend(by_lead[int(c.request_id)].ref for c in found.values())
        if found:
            logger.info("crm.delivery.reconciled", extra={"found": len(found)})
        # Not found: the interrupted attempt never created them; they are sent normally.
        _mine(self.worker, [r.pk for r in rows if r.ref not in found]).update(in_doubt_since=None)
        return {row.pk for row in rows if row.ref in found}

    def _known_contacts(self, rows: list[OutboxMessage]) -> dict[int, int]:
        """subject id -> the Kommo contact an earlier lead of the same person got."""
        subject_ids = {self.leads[r.ref].subject_id for r in rows} - {None}
        known: dict[int, int] = {}
        for subject_id, contact_id in (
            Lead.objects.filter(subject_id__in=subject_ids, kommo_contact_id__isnull=False)
            .order_by("created_at")
            .values_list("subject_id", "kommo_contact_id")
        ):
            known[subject_id] = contact_id
        self._look_up_contacts(rows, known)
        return known

    def _look_up_contacts(self, rows: list[OutboxMessage], known: dict[int, int]) -> None:
        """A person Kommo has but whose contact id we never recorded: find it by phone.

        Only for subjects with an earlier lead already in Kommo (delivered before contact
        ids were kept, or imported); new people cost no lookup, so the batch stays one
        request. Kommo's own duplicate control covers people it knew before us.
        """
        unknown = {self.leads[r.ref].subject_id: self.leads[r.ref] for r in rows}
        unknown = {s: lead for s, lead in unknown.items() if s is not None and s not in known}
        if not unknown:
            return
        earlier = set(
            Lead.objects.filter(
                subject_id__in=list(unknown),
                kommo_lead_id__isnull=False,
                kommo_contact_id__isnull=True,
            ).values_list("subject_id", flat=True)
        )
        for subject_id in list(earlier)[:CONTACT_LOOKUPS_PER_BATCH]:
            lead = unknown[subject_id]
            try:
                ids = self._call(self.client.find_contact_ids, lead.phone)
            except KommoError as error:
                self._handle(error, rows)
            if ids:
                known[subject_id] = ids[0]

    def _plan_round(
        self, rows: list[OutboxMessage], contacts: dict[int, int]
    ) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
        """One request's worth: at most one new contact per person.

        Kommo's duplicate control does not compare leads within one request, so two leads of
        a new person in one request would create two contacts. The second waits for the
        next request, which links it to the contact the first one created.
        """
        this_round: list[OutboxMessage] = []
        later: list[OutboxMessage] = []
        new_people: set[int] = set()
        for row in rows:
            subject_id = self.leads[row.ref].subject_id
            if subject_id is None or subject_id in contacts:
                this_round.append(row)
            elif subject_id not in new_people:
                new_people.add(subject_id)
                this_round.append(row)
            else:
                later.append(row)
        return this_round, later

    def _send(self, rows: list[OutboxMessage], contacts: dict[int, int]) -> None:
        wait, rows = _reserve_and_mark_in_doubt(self.worker, rows)
        if not rows:
            return
        by_request = {str(row.ref): row for row in rows}
        leads = [
            lead_to_kommo(
                self.leads[row.ref], contact_id=contacts.get(self.leads[row.ref].subject_id)
            )
            for row in rows
        ]
        _fault("before_call")
        try:
            created = self._create(leads, wait=wait)
        except _NotSent:
            _mine(self.worker, [r.pk for r in rows]).update(in_doubt_since=None)
            raise
        except KommoRejected as error:
            self._rejected(error, rows, contacts)
            return
        except KommoError as error:
            self._handle(error, rows)
        _fault("after_call")
        done = _record_delivered(self.worker, by_request, created, leads=self.leads, found=False)
        _fault("after_commit")
        self.report.delivered += len(done)
        self.report.delivered_ids.extend(
            by_request[c.request_id].ref for c in created if c.request_id in by_request
        )
        for item in created:
            row = by_request.get(item.request_id)
            if row is not None and item.contact_id:
                contacts.setdefault(self.leads[row.ref].subject_id, item.contact_id)
        answered = {c.request_id for c in created}
        missing = [row for key, row in by_request.items() if key not in answered]
        if missing:
            # Kommo answered 2xx without these: whether they exist is unknown, so look first.
            self.report.retry += len(missing)
            _reschedule(
                self.worker,
                missing,
                at=timezone.now() + timedelta(seconds=backoff_seconds(1)),
                error="Kommo's answer did not mention this lead",
                in_doubt=None,
            )

    def _create(self, leads: list[LeadIn], *, wait: float) -> list[CreatedLead]:
        if settings.KOMMO_MODE == "unsorted":
            return self._call(
                self.client.create_unsorted_forms,
                [(lead, form_metadata(self.leads[int(lead.request_id)])) for lead in leads],
                source_uid=SOURCE_UID,
                source_name=SOURCE_NAME,
                wait=wait,
            )
        return self._call(self.client.create_leads_complex, leads, wait=wait)

    def _rejected(
        self, error: KommoRejected, rows: list[OutboxMessage], contacts: dict[int, int]
    ) -> None:
        """A 4xx creates nothing. Dead-letter the named items; resend the others."""
        _mine(self.worker, [r.pk for r in rows]).update(in_doubt_since=None)
        problems = error.problems_by_request_id()
        named = [row for row in rows if str(row.ref) in problems]
        if named:
            for row in named:
                reason = "; ".join(str(p) for p in problems[str(row.ref)])
                _mark_dead(self.worker, row, f"Kommo rejected lead {row.ref}: {reason}")
                self.report.dead += 1
            rest = [row for row in rows if row not in named]
            if rest:
                self._send(rest, contacts)
            return
        if len(rows) == 1:
            _mark_dead(self.worker, rows[0], f"Kommo rejected lead {rows[0].ref}: {error}")
            self.report.dead += 1
            return
        # Kommo did not say which item: send them one by one to find it.
        for row in rows:
            self._send([row], contacts)


def deliver_batch(
    *,
    worker: str | None = None,
    client: KommoClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
    limit: int = MAX_LEADS_PER_REQUEST,
) -> BatchReport:
    """Claim and deliver up to `limit` due leads. Safe to call from any number of workers."""
    if not kommo_configured():
        return BatchReport(stopped="Kommo not configured")
    if pacing.delivery_paused():
        return BatchReport(stopped="paused: Kommo refused the token")
    if pacing.blocked_until():
        return BatchReport(stopped="blocked (rate limit or outage backoff)")
    worker = worker or worker_name()
    rows = claim_due_messages(worker=worker, limit=limit)
    if not rows:
        return BatchReport()
    client = client or shared_client()
    batch = _Batch(worker=worker, client=client, sleep=sleep)
    try:
        batch.run(rows)
    except _Stop as stop:
        batch.report.stopped = stop.reason
    except Exception:
        # An unexpected failure: give the rows back now (a SimulatedCrash, like a killed
        # process, does not pass here and leaves them to the lease).
        _release(worker, [r.pk for r in rows])
        logger.exception("crm.delivery.failed", extra={"rows": len(rows)})
        raise
    if batch.report.stopped:
        # Rows the stopped batch did not reach go back to the pool (the others are settled).
        _release(worker, [r.pk for r in rows])
    logger.info(
        "crm.delivery.batch",
        extra={
            "claimed": batch.report.claimed,
            "delivered": batch.report.delivered,
            "dead": batch.report.dead,
            "requests": batch.report.requests,
        },
    )
    return batch.report


def drain(
    *,
    worker: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_seconds: float | None = None,
    idle_exit: bool = True,
    poll_interval: float = 1.0,
) -> BatchReport:
    """The worker loop: deliver until nothing is pending (or forever with idle_exit=False)."""
    total = BatchReport()
    started = time.monotonic()
    worker = worker or worker_name()
    while max_seconds is None or time.monotonic() - started < max_seconds:
        report = deliver_batch(worker=worker, sleep=sleep)
        for name in ("claimed", "delivered", "dead", "retry", "reconciled", "requests"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.delivered_ids.extend(report.delivered_ids)
        total.stopped = report.stopped
        if report.claimed:
            continue
        until = pacing.blocked_until()
        if until is not None:
            sleep(max(0.05, (until - timezone.now()).total_seconds()))
            continue
        if report.stopped:  # paused or not configured: nothing to do until staff act
            if idle_exit:
                return total
            sleep(poll_interval)
            continue
        next_due = (
            OutboxMessage.objects.filter(
                kind=OutboxMessage.Kind.CRM_LEAD, state=OutboxMessage.State.PENDING
            )
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if next_due is None and idle_exit:
            return total
        wait = poll_interval
        if next_due is not None:
            wait = min(poll_interval, max(0.01, (next_due - timezone.now()).total_seconds()))
        sleep(wait)
    return total


def deliver_message(*, message_id: int) -> str:
    """Task entry point: deliver the batch this row is in (or the row itself, for email)."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return f"outbox message {message_id} does not exist"
    if message.state != OutboxMessage.State.PENDING:
        return f"outbox message {message_id} is already {message.state}"
    if message.kind == OutboxMessage.Kind.SALES_NOTIFICATION:
        from .notifications import send_sales_notification

        return send_sales_notification(message_id=message_id)
    if not kommo_configured():
        return "waiting: Kommo not configured"
    return str(deliver_batch())
