"""Kommo (policy §6: the CRM): erasure, restriction and rectification reach it (Art. 19).

Kommo's API cannot delete leads or contacts: an erasure overwrites their personal fields
with empty values and tags them `gdpr-erased`; a restriction tags them `gdpr-restricted`.
One step row per Kommo contact and per Kommo lead, so each has its own line on the desk.
"""

from django.utils import timezone

from crm.gdpr import erase_in_kommo, kommo_configured, rectify_in_kommo, restrict_in_kommo
from integrations.kommo.errors import KommoError
from integrations.kommo.patches import ERASED_TAG, RESTRICTED_TAG

from ..models import Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from ..stores import Holdings, legal_hold_lead_ids
from .faults import step_fault

FIX = "Check the Kommo token and its rights (KOMMO_ACCESS_TOKEN), then retry this step"
UNSET = (
    "Kommo is not configured here (KOMMO_BASE_URL, KOMMO_ACCESS_TOKEN). In Kommo, open {what} "
    "{id}, {action}, then mark this step done."
)


def kommo_entities(found: Holdings, *, held: set[int] = frozenset()) -> list[tuple[str, dict]]:
    """(target, params) per Kommo contact and lead of the subject; held: under a legal hold."""
    rows: dict[str, dict] = {}
    for lead in found.leads:
        keep = lead["id"] in held
        if lead["kommo_lead_id"]:
            rows[f"leads:{lead['kommo_lead_id']}"] = {
                "entity": "leads",
                "id": lead["kommo_lead_id"],
                "lead": lead["id"],
                "held": keep,
            }
        if lead["kommo_contact_id"]:
            key = f"contacts:{lead['kommo_contact_id']}"
            held_before = rows.get(key, {}).get("held", False)
            rows[key] = {
                "entity": "contacts",
                "id": lead["kommo_contact_id"],
                "lead": lead["id"],
                "held": keep or held_before,  # one contract keeps the contact
            }
    return sorted(rows.items())


def _what(params: dict) -> str:
    return "contact" if params["entity"] == "contacts" else "lead"


class KommoStep(RightsStep):
    recipient = "kommo"
    atomic = False  # a vendor call: no transaction held open around it
    max_attempts = 12  # with backoff capped at 6 h: about two days of a Kommo outage

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        return kommo_entities(found)


@register_step(Right.ERASURE)
class KommoErase(KommoStep):
    name = "kommo.erase"

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        held = legal_hold_lead_ids(subject_ids=found.subject_ids, now=timezone.now())
        return kommo_entities(found, held=set(held))

    def execute(self, run: StepRun) -> Outcome:
        p = run.params
        if p["held"]:
            return self._hold(run)
        if not kommo_configured():
            action = f"empty its name, phone and email and add the tag {ERASED_TAG}"
            return Outcome.waiting(UNSET.format(what=_what(p), id=p["id"], action=action))
        try:
            updated = erase_in_kommo(entity=p["entity"], kommo_id=p["id"], lead_ref=p["lead"])
        except KommoError as error:
            raise step_fault(error, fix=FIX) from error
        receipt = {"entity": p["entity"], "id": p["id"], "tag": ERASED_TAG}
        receipt["updated_at"] = updated.updated_at
        return Outcome.done(
            receipt, f"Kommo {_what(p)} {p['id']}: personal fields emptied, tagged {ERASED_TAG}"
        )

    def _hold(self, run: StepRun) -> Outcome:
        # Art. 17(3)(b): the client contract is kept 5 years for accounting; restricted instead.
        p = run.params
        why = "client contract kept 5 years for accounting (Art. 17(3)(b))"
        if not kommo_configured():
            action = f"add the tag {RESTRICTED_TAG} ({why})"
            return Outcome.waiting(UNSET.format(what=_what(p), id=p["id"], action=action))
        try:
            restrict_in_kommo(entity=p["entity"], kommo_id=p["id"])
        except KommoError as error:
            raise step_fault(error, fix=FIX) from error
        receipt = {"entity": p["entity"], "id": p["id"], "tag": RESTRICTED_TAG, "held": True}
        return Outcome.done(receipt, f"Kommo {_what(p)} {p['id']}: {why}; tagged {RESTRICTED_TAG}")


@register_step(Right.RESTRICTION)
class KommoRestrict(KommoStep):
    """Art. 18: kept in Kommo, tagged so sales do not process it until lifted."""

    name = "kommo.restrict"

    def execute(self, run: StepRun) -> Outcome:
        p = run.params
        if not kommo_configured():
            action = f"add the tag {RESTRICTED_TAG}"
            return Outcome.waiting(UNSET.format(what=_what(p), id=p["id"], action=action))
        try:
            restrict_in_kommo(entity=p["entity"], kommo_id=p["id"])
        except KommoError as error:
            raise step_fault(error, fix=FIX) from error
        return Outcome.done(
            {"entity": p["entity"], "id": p["id"], "tag": RESTRICTED_TAG},
            f"Kommo {_what(p)} {p['id']} tagged {RESTRICTED_TAG}",
        )


@register_step(Right.RECTIFICATION)
class KommoRectify(KommoStep):
    """Art. 16, 19: once the correction is applied here, the contact in Kommo gets it.

    The pipeline orders it (`after`): its rows stay blocked until local.rectify is done,
    then run by themselves, so what Kommo receives is the corrected value.
    """

    name = "kommo.rectify"
    stage = 2
    after = ("local.rectify",)

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        return [(t, p) for t, p in kommo_entities(found) if p["entity"] == "contacts"]

    def execute(self, run: StepRun) -> Outcome:
        p = run.params
        if not kommo_configured():
            action = "correct its name, phone and email as in the request"
            return Outcome.waiting(UNSET.format(what="contact", id=p["id"], action=action))
        try:
            updated = rectify_in_kommo(contact_id=p["id"], lead_id=p["lead"])
        except KommoError as error:
            raise step_fault(error, fix=FIX) from error
        return Outcome.done(
            {"entity": "contacts", "id": p["id"], "updated_at": updated.updated_at},
            f"Kommo contact {p['id']} now holds the corrected values",
        )
