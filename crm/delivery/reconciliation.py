"""Exactly once across crashes: record what Kommo created, and find what it may have.

A row is marked in doubt (committed) before the request that may create its lead; a worker
that dies after Kommo accepted leaves it so. The next try first looks for those leads in
Kommo by our marker tag, and records the ones it finds instead of sending them again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from audit.services import record_event
from capture.models import Lead
from integrations.kommo.errors import KommoError
from integrations.kommo.payloads import CreatedLead, KommoLead

from .. import pacing
from ..mapping import lead_id_from_marker
from ..models import OutboxMessage
from .claims import mine

if TYPE_CHECKING:
    from .batch import Batch

logger = logging.getLogger("crm.delivery")

RECONCILE_MARGIN = timedelta(minutes=10)  # clock skew between us and Kommo
RECONCILE_MAX_PAGES = 20


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


def _audit_delivered(leads: list[Lead], *, found: bool) -> None:
    # One event per request, not per lead: the audit chain is a single serialised writer,
    # and 50 appends would cost more than the request itself. Each lead's own proof is
    # its kommo_lead_id and its outbox row's delivered_at; the event lists them all.
    record_event(
        actor="system:crm",
        action="leads.sent_to_kommo",
        reason="lead management in the Kommo CRM (policy §3, recipient §6)",
        data={
            "lead_ids": [lead.pk for lead in leads],
            "subject_ids": sorted({lead.subject_id for lead in leads if lead.subject_id}),
            "kommo_lead_ids": [lead.kommo_lead_id for lead in leads],
            "found_after_retry": found,
        },
    )


@transaction.atomic
def record_delivered(
    worker: str,
    rows: dict[str, OutboxMessage],
    created: Iterable[CreatedLead],
    *,
    leads: dict[int, Lead],
    found: bool,
) -> list[int]:
    """Kommo's ids onto the leads and the rows delivered, in one transaction."""
    answered = {item.request_id: item for item in created if item.request_id in rows}
    # Rows whose lease ran out went to another worker: it will find the lead by its tag.
    still_mine = set(mine(worker, [rows[key].pk for key in answered]).values_list("pk", flat=True))
    done = [rows[key].pk for key in answered if rows[key].pk in still_mine]
    if not done:
        return []
    OutboxMessage.objects.filter(pk__in=done).update(
        state=OutboxMessage.State.DELIVERED,
        delivered_at=timezone.now(),
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
    _audit_delivered(updated, found=found)
    pacing.note_success()
    return done


def _found_in(page: Iterable[KommoLead], wanted: Iterable[int], found: dict) -> None:
    wanted = set(wanted)
    for kommo_lead in page:
        for tag in kommo_lead.tags:
            lead_id = lead_id_from_marker(tag)
            if lead_id in wanted and lead_id not in found:
                found[lead_id] = CreatedLead(
                    request_id=str(lead_id),
                    lead_id=kommo_lead.id,
                    contact_id=kommo_lead.contact_ids[0] if kommo_lead.contact_ids else None,
                )


def _search(batch: Batch, rows: list[OutboxMessage]) -> dict[int, CreatedLead]:
    """Kommo's leads carrying the marker of one of `rows`, by our lead id."""
    # We send each lead's own created_at and Kommo keeps it, so a lead that waited in
    # the outbox is listed under that older time, not under the attempt's time.
    oldest = min(
        [row.in_doubt_since for row in rows] + [batch.leads[row.ref].created_at for row in rows]
    )
    since = int((oldest - RECONCILE_MARGIN).timestamp())
    found: dict[int, CreatedLead] = {}
    page = 1
    while len(found) < len(rows) and page <= RECONCILE_MAX_PAGES:
        try:
            result = batch.call(batch.client.leads_created_since, since, page=page)
        except KommoError as error:
            batch.fail(error, rows)
        _found_in(result.leads, (row.ref for row in rows), found)
        if not result.has_next:
            break
        page += 1
    return found


def reconcile(batch: Batch, rows: list[OutboxMessage]) -> set[int]:
    """Find in Kommo the leads an earlier, interrupted attempt created (by our tag)."""
    by_lead = {row.ref: row for row in rows}
    found = _search(batch, rows)
    done = record_delivered(
        batch.worker,
        {str(k): v for k, v in by_lead.items()},
        found.values(),
        leads=batch.leads,
        found=True,
    )
    batch.report.delivered += len(done)
    batch.report.reconciled += len(done)
    batch.report.delivered_ids.extend(by_lead[int(c.request_id)].ref for c in found.values())
    if found:
        logger.info("crm.delivery.reconciled", extra={"found": len(found)})
    # Not found: the interrupted attempt never created them; they are sent normally.
    mine(batch.worker, [r.pk for r in rows if r.ref not in found]).update(in_doubt_since=None)
    return {row.pk for row in rows if row.ref in found}
