"""One batch: claim up to 50 due rows, screen, reconcile, and send them in few requests."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.utils import timezone

from capture.models import Lead
from integrations.kommo.client import KommoClient
from integrations.kommo.errors import KommoError, KommoRejected
from integrations.kommo.payloads import MAX_LEADS_PER_REQUEST, CreatedLead, LeadIn
from leadkeeper.scheduling import worker_name

from .. import pacing
from ..mapping import SOURCE_NAME, SOURCE_UID, form_metadata, lead_to_kommo
from ..models import OutboxMessage
from ..selectors import kommo_configured
from . import claims
from .claims import mark_dead, mine, release, reschedule, reserve_and_mark_in_doubt
from .contacts import known_contacts, phone_key, plan_round
from .failures import NotSent, Stop, backoff_seconds, fault, handle
from .reconciliation import reconcile, record_delivered
from .screening import screen

logger = logging.getLogger("crm.delivery")


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


class Batch:
    def __init__(self, *, worker: str, client: KommoClient, sleep: Callable[[float], None]):
        self.worker = worker
        self.client = client
        self.sleep = sleep
        self.report = BatchReport()
        self.leads: dict[int, Lead] = {}

    def call(self, function: Callable, *args: object, wait: float | None = None, **kwargs):
        """Every request to Kommo goes through here, after a slot from the shared bucket."""
        if wait is None:
            wait = pacing.reserve_request_slot()
            if wait is None:
                raise NotSent("blocked (rate limit or outage backoff) or paused")
        slot = time.monotonic() + wait
        self.report.requests += 1
        return function(*args, before_send=lambda: self._wait_for(slot), **kwargs)

    def _wait_for(self, slot: float) -> None:
        try:
            pacing.wait_for_slot(slot, sleep=self.sleep)
        except pacing.SlotRefused as refused:
            raise NotSent(str(refused)) from None

    def fail(self, error: KommoError, rows: list[OutboxMessage]) -> NoReturn:
        """Reschedule `rows` after a failed request and stop this batch (raises Stop)."""
        self.report.retry += len(rows)
        handle(error, rows, worker=self.worker)

    def run(self, rows: list[OutboxMessage]) -> None:
        self.report.claimed = len(rows)
        self.leads = {
            lead.pk: lead
            for lead in Lead.objects.filter(pk__in=[r.ref for r in rows]).select_related("subject")
        }
        sendable = screen(self, rows)
        in_doubt = [r for r in sendable if r.in_doubt_since]
        if in_doubt:
            found = reconcile(self, in_doubt)
            sendable = [r for r in sendable if r.pk not in found]
        contacts = known_contacts(self, sendable)
        waiting = list(sendable)
        while waiting:
            round_rows, waiting = plan_round(self, waiting, contacts)
            self._send(round_rows, contacts)

    def _send(self, rows: list[OutboxMessage], contacts: dict[str, int]) -> None:
        wait, rows = reserve_and_mark_in_doubt(self.worker, rows)
        if wait is None:
            raise NotSent("blocked (rate limit or outage backoff) or paused")
        if not rows:
            return
        by_request = {str(row.ref): row for row in rows}
        leads = [
            lead_to_kommo(self.leads[row.ref], contact_id=contacts.get(phone_key(self, row)))
            for row in rows
        ]
        fault("before_call")
        try:
            created = self._create(leads, wait=wait)
        except NotSent:
            mine(self.worker, [r.pk for r in rows]).update(in_doubt_since=None)
            raise
        except KommoRejected as error:
            self._rejected(error, rows, contacts)
            return
        except KommoError as error:
            self.fail(error, rows)
        fault("after_call")
        done = record_delivered(self.worker, by_request, created, leads=self.leads, found=False)
        fault("after_commit")
        self._note_created(by_request, created, done, contacts)

    def _note_created(
        self,
        by_request: dict[str, OutboxMessage],
        created: list[CreatedLead],
        done: list[int],
        contacts: dict[str, int],
    ) -> None:
        self.report.delivered += len(done)
        self.report.delivered_ids.extend(
            by_request[c.request_id].ref for c in created if c.request_id in by_request
        )
        for item in created:
            row = by_request.get(item.request_id)
            if row is not None and item.contact_id:
                contacts.setdefault(phone_key(self, row), item.contact_id)
        answered = {c.request_id for c in created}
        missing = [row for key, row in by_request.items() if key not in answered]
        if missing:
            # Kommo answered 2xx without these: whether they exist is unknown, so look first.
            self.report.retry += len(missing)
            reschedule(
                self.worker,
                missing,
                at=timezone.now() + timedelta(seconds=backoff_seconds(1)),
                error="Kommo's answer did not mention this lead",
                in_doubt=None,
            )

    def _create(self, leads: list[LeadIn], *, wait: float) -> list[CreatedLead]:
        if settings.KOMMO_MODE == "unsorted":
            return self.call(
                self.client.create_unsorted_forms,
                [(lead, form_metadata(self.leads[int(lead.request_id)])) for lead in leads],
                source_uid=SOURCE_UID,
                source_name=SOURCE_NAME,
                wait=wait,
            )
        return self.call(self.client.create_leads_complex, leads, wait=wait)

    def _rejected(
        self, error: KommoRejected, rows: list[OutboxMessage], contacts: dict[str, int]
    ) -> None:
        """A 4xx creates nothing. Dead-letter the named items; resend the others."""
        mine(self.worker, [r.pk for r in rows]).update(in_doubt_since=None)
        problems = error.problems_by_request_id()
        named = [row for row in rows if str(row.ref) in problems]
        if named:
            for row in named:
                reason = "; ".join(str(p) for p in problems[str(row.ref)])
                mark_dead(self.worker, row, f"Kommo rejected lead {row.ref}: {reason}")
                self.report.dead += 1
            rest = [row for row in rows if row not in named]
            if rest:
                self._send(rest, contacts)
            return
        if len(rows) == 1:
            mark_dead(self.worker, rows[0], f"Kommo rejected lead {rows[0].ref}: {error}")
            self.report.dead += 1
            return
        # Kommo did not say which item: send them one by one to find it.
        for row in rows:
            self._send([row], contacts)


def _not_now() -> str:
    """Why no batch may start now ("" when one may)."""
    if not kommo_configured():
        return "Kommo not configured"
    pacing.resume_delivery_if_due()  # the operator may have configured a new token
    if pacing.delivery_paused():
        return "paused: Kommo refused the token"
    if pacing.blocked_until():
        return "blocked (rate limit or outage backoff)"
    return ""


def deliver_batch(
    *,
    worker: str | None = None,
    client: KommoClient | None = None,
    sleep: Callable[[float], None] | None = None,
    limit: int = MAX_LEADS_PER_REQUEST,
) -> BatchReport:
    """Claim and deliver up to `limit` due leads. Safe to call from any number of workers."""
    if reason := _not_now():
        return BatchReport(stopped=reason)
    worker = worker or worker_name()
    rows = claims.claim_due_messages(worker=worker, limit=limit)
    if not rows:
        return BatchReport()
    batch = Batch(
        worker=worker, client=client or pacing.shared_client(), sleep=sleep or pacing.sleep
    )
    try:
        batch.run(rows)
    except Stop as stop:
        batch.report.stopped = stop.reason
    except Exception:
        # An unexpected failure: give the rows back now (a SimulatedCrash, like a killed
        # process, does not pass here and leaves them to the lease).
        release(worker, [r.pk for r in rows])
        logger.exception("crm.delivery.failed", extra={"rows": len(rows)})
        raise
    if batch.report.stopped:
        # Rows the stopped batch did not reach go back to the pool (the others are settled).
        release(worker, [r.pk for r in rows])
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
