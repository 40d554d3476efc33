"""Stage 0 of every request: find the subject by the identifiers the person proved."""

from ..models import Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from ..stores import subject_ids_for


@register_step()
class LocateSubject(RightsStep):
    """Only a verified identifier is used (an email proven by the link, a phone by a call
    back): a typo in the other one must not find, and disclose, another person."""

    name = "locate"
    stage = 0

    def execute(self, run: StepRun) -> Outcome:
        request = run.request
        email_index = request.email_index if request.verified_via == "email" else ""
        phone_index = request.phone_index if request.verified_via == "phone" else ""
        ids = set(subject_ids_for(email_index=email_index, phone_index=phone_index))
        hint = run.params.get("subject_id")
        if hint and request.verified_via == "consent":
            ids.add(int(hint))
        found = sorted(ids)
        if request.right == Right.COMPLAINT:
            message = "no look-up needed: the answer names the supervisory authority"
        elif found:
            message = f"found {len(found)} subject record(s) by the verified {request.verified_via}"
        else:
            message = f"we hold no data under the verified {request.verified_via or 'identifier'}"
        return Outcome.done({"subject_ids": found, "verified_via": request.verified_via}, message)
