"""Google Analytics (policy §6): an erasure asks Google to delete the person's GA4 data.

The User Deletion API (`userDeletionRequests:upsert`, id type CLIENT_ID) with each client
id kept in the consent records, paced under Google's quota for the property (1.5/s, 500 a
day) by a pacer every worker shares. Google finishes within days: the step is then "done
later by the vendor", with `deletionRequestTime` as the receipt (fides#1950).
"""

from integrations.google.client import GoogleAnalyticsClient
from integrations.google.errors import GoogleError
from integrations.google.pacing import SharedDeletionPacer

from ..models import Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from .faults import step_fault

FIX = (
    "Check the service account (GA_SERVICE_ACCOUNT_FILE) is added to the GA4 property "
    "(GA_PROPERTY_ID) with the analytics.user.deletion scope, then retry this step"
)


@register_step(Right.ERASURE)
class GoogleUserDeletion(RightsStep):
    name = "google.user_deletion"
    recipient = "google_analytics"
    atomic = False
    # A spent daily quota retries with backoff capped at 6 h: days of attempts, not minutes.
    max_attempts = 30

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        return [(cid, {"client_id": cid}) for cid in found.ga_client_ids]

    def execute(self, run: StepRun) -> Outcome:
        client_id = run.params["client_id"]
        client = GoogleAnalyticsClient.from_settings()
        if client is None:
            return Outcome.waiting(
                "Google Analytics is not configured here (GA_PROPERTY_ID, "
                "GA_SERVICE_ACCOUNT_FILE). In GA4, Admin > Data deletion requests, or with "
                f"the User Deletion API, delete client id {client_id}; then mark this step done."
            )
        with client:
            try:
                receipt = client.request_user_deletion(client_id, pacer=SharedDeletionPacer())
            except GoogleError as error:
                raise step_fault(error, fix=FIX) from error
        when = receipt.deletion_request_time.isoformat()
        return Outcome.vendor_pending(
            {"property_id": receipt.property_id, "deletionRequestTime": when},
            f"Google accepted the deletion at {when}; it completes within days",
        )
