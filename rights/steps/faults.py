"""A recipient's typed error, turned into what the runner does with it (retry or fail).

Every vendor client raises one tree of errors (STYLE §5) whose messages carry paths,
statuses and the vendor's code, never personal data, so they can be shown on the desk.
"""

from integrations.calcom.errors import CalcomRateLimited, CalcomUnavailable
from integrations.google.errors import GoogleRateLimited, GoogleUnavailable
from integrations.kommo.errors import KommoRateLimited, KommoUnavailable

from ..errors import StepFailed, StepRetry

PASSING = (
    KommoRateLimited,
    KommoUnavailable,
    CalcomRateLimited,
    CalcomUnavailable,
    GoogleRateLimited,
    GoogleUnavailable,
)


def step_fault(error: Exception, *, fix: str) -> StepRetry | StepFailed:
    """429, quotas, 5xx and timeouts retry; 401/403 and rejections fail with `fix` in words."""
    if isinstance(error, PASSING):
        return StepRetry(str(error), retry_after=getattr(error, "retry_after", None))
    # Retrying a refused key or a rejected request fails the same way: a person must act.
    return StepFailed(f"{error}. {fix}")
