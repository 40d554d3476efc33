"""/desk/retention/ (DPO): the rules in the policy's words, what would go, and the run history."""

from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leadkeeper.roles import is_dpo

from .selectors import (
    pending_recipient_actions,
    recent_runs,
    recipient_actions_by_run,
    recipient_actions_needing_attention,
    retention_preview,
)


@require_GET
@login_required
@user_passes_test(is_dpo)
def desk(request: HttpRequest) -> HttpResponse:
    rules = retention_preview()
    runs = recent_runs()
    at_recipients = recipient_actions_by_run(run_ids=[run.pk for run in runs])
    for run in runs:
        run.at_recipients = sorted(at_recipients.get(run.pk, {}).items())
    response = render(
        request,
        "retention/desk.html",
        {
            "now": timezone.now(),
            "rules": rules,
            "overdue": sum(rule.overdue for rule in rules),
            "runs": runs,
            "pending": pending_recipient_actions(),
            "actions": recipient_actions_needing_attention(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
