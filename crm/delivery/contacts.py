"""Which Kommo contact a lead joins: the one of an earlier lead with the same phone.

A person is matched by phone, never by email alone (the way subjects are matched): two
people who share a mailbox (a family, an office) stay two contacts in Kommo. Leads are
grouped by their phone's blind index, so no phone is compared in clear text but Kommo's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers

from capture.models import Lead
from integrations.kommo.errors import KommoError

from ..models import OutboxMessage

if TYPE_CHECKING:
    from .batch import Batch

CONTACT_LOOKUPS_PER_BATCH = 5


def same_phone(kommo_value: str, e164: str) -> bool:
    """Whether a phone as typed into Kommo ("8 (916) 123-45-67") is the number `e164`."""
    try:
        ours = phonenumbers.parse(e164, None)
        theirs = phonenumbers.parse(
            str(kommo_value), phonenumbers.region_code_for_number(ours) or None
        )
    except phonenumbers.NumberParseException:
        return False
    return ours == theirs


def phone_key(batch: Batch, row: OutboxMessage) -> str:
    return batch.leads[row.ref].phone_index


def known_contacts(batch: Batch, rows: list[OutboxMessage]) -> dict[str, int]:
    """phone index -> the Kommo contact an earlier lead with that phone got."""
    phones = {phone_key(batch, r) for r in rows} - {""}
    known: dict[str, int] = {}
    for phone_index, contact_id in (
        Lead.objects.filter(phone_index__in=phones, kommo_contact_id__isnull=False)
        .order_by("created_at")
        .values_list("phone_index", "kommo_contact_id")
    ):
        known[phone_index] = contact_id
    _look_up_contacts(batch, rows, known)
    return known


def _look_up_contacts(batch: Batch, rows: list[OutboxMessage], known: dict[str, int]) -> None:
    """A phone Kommo has but whose contact id we never recorded: find it by that phone.

    Only for phones with an earlier lead already in Kommo (delivered before contact ids
    were kept, or imported); new people cost no lookup, so the batch stays one request.
    Kommo's search matches any filled field, so only a contact whose PHONE field holds the
    same number is taken. Kommo's own duplicate control covers people it knew before us.
    """
    unknown = {phone_key(batch, r): batch.leads[r.ref] for r in rows}
    unknown = {p: lead for p, lead in unknown.items() if p and p not in known}
    if not unknown:
        return
    earlier = set(
        Lead.objects.filter(
            phone_index__in=list(unknown),
            kommo_lead_id__isnull=False,
            kommo_contact_id__isnull=True,
        ).values_list("phone_index", flat=True)
    )
    for phone_index in sorted(earlier)[:CONTACT_LOOKUPS_PER_BATCH]:
        phone = unknown[phone_index].phone
        try:
            contacts = batch.call(batch.client.find_contacts, phone)
        except KommoError as error:
            batch.fail(error, rows)
        matching = [c.id for c in contacts if any(same_phone(p, phone) for p in c.phones)]
        if matching:
            known[phone_index] = matching[0]


def plan_round(
    batch: Batch, rows: list[OutboxMessage], contacts: dict[str, int]
) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """One request's worth: at most one new contact per phone.

    Kommo's duplicate control does not compare leads within one request, so two leads of
    a new person in one request would create two contacts. The second waits for the
    next request, which links it to the contact the first one created.
    """
    this_round: list[OutboxMessage] = []
    later: list[OutboxMessage] = []
    new_people: set[str] = set()
    for row in rows:
        key = phone_key(batch, row)
        if not key or key in contacts:
            this_round.append(row)
        elif key not in new_people:
            new_people.add(key)
            this_round.append(row)
        else:
            later.append(row)
    return this_round, later
