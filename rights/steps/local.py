"""Local steps of the short rights: withdrawal, complaint, restriction, objection, rectification."""

from django.utils import timezone

from consent.services import withdraw_form_consent
from leadkeeper.context import RequestContext, UserAgentInfo
from register.loader import get_register

from ..models import Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from ..stores import (
    close_withdrawal_request,
    open_form_grants,
    restrict_subjects,
    stop_linked_analytics,
)

_NO_CONTEXT = RequestContext(
    ip="", country="", user_agent="", ua=UserAgentInfo("", "", "other", False)
)


@register_step(Right.WITHDRAWAL)
class WithdrawConsent(RightsStep):
    """Art. 7(3): recorded as consent proof, the same way the consent page records it."""

    name = "consent.withdraw"

    def execute(self, run: StepRun) -> Outcome:
        request = run.request
        if request.withdrawal_request_id is not None:
            close_withdrawal_request(
                withdrawal_request_id=request.withdrawal_request_id, at=timezone.now()
            )
        withdrawn = []
        for grant in open_form_grants(subject_ids=run.subject_ids):
            opened = withdraw_form_consent(
                consent_id=grant.consent_id,
                record_id=grant.pk,
                context=_NO_CONTEXT,
                method=f"rights request {request.reference}",
                open_rights_request=False,
            )
            withdrawn.append(opened.record_id)
        message = (
            f"consent withdrawn for {len(withdrawn)} contact request(s)"
            if withdrawn or request.withdrawal_request_id is None
            else "withdrawal recorded on the consent page"
        )
        return Outcome.done({"withdrawal_records": withdrawn}, message)


@register_step(Right.COMPLAINT)
class ComplaintRoute(RightsStep):
    """Art. 77: the answer names the supervisory authority and how to reach it."""

    name = "complaint.route"

    def execute(self, run: StepRun) -> Outcome:
        controller = get_register().controller
        receipt = {
            "authority": controller.supervisory_authority,
            "contact": controller.supervisory_authority_contact,
        }
        return Outcome.done(receipt, "the answer names the supervisory authority")


@register_step(Right.RESTRICTION)
class RestrictLocally(RightsStep):
    """Art. 18: kept, but not delivered, analysed or used for contact until lifted."""

    name = "local.restrict"

    def execute(self, run: StepRun) -> Outcome:
        count = restrict_subjects(subject_ids=run.subject_ids, at=timezone.now())
        return Outcome.done(
            {"subjects_restricted": count},
            f"processing restricted for {len(run.subject_ids)} subject record(s)",
        )


@register_step(Right.OBJECTION)
class ObjectLocally(RightsStep):
    """Art. 21: legitimate-interest processing linked to the person (first-party analytics
    tied to their leads, campaign attribution) stops; aggregates without them remain."""

    name = "local.object"

    def execute(self, run: StepRun) -> Outcome:
        counts = stop_linked_analytics(subject_ids=run.subject_ids, at=timezone.now())
        return Outcome.done(
            counts,
            "linked analytics and campaign attribution removed, and not linked again",
        )


@register_step(Right.RECTIFICATION)
class RectifyLocally(RightsStep):
    """Art. 16: a person checks the correction asked for and applies it in the back office."""

    name = "local.rectify"

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        return [("", {"leads": [lead["id"] for lead in found.leads]})]

    def execute(self, run: StepRun) -> Outcome:
        leads = run.params.get("leads", [])
        if not leads:
            return Outcome.done({"leads": []}, "we hold no data to correct")
        return Outcome.waiting(
            f"Read the correction in the request's details, apply it to lead(s) "
            f"{', '.join(map(str, leads))} in the back office, then mark this step done."
        )
