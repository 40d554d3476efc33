"""Every consent.WithdrawalRequest becomes a rights request of kind `withdrawal`.

Open ones start with a pending `locate` step: the step sweeper (rights.schedule) enqueues
it, so they run like any new withdrawal. Closed ones are recorded as complete. Rerunnable:
a withdrawal already carried over is skipped. No app code is imported (STYLE §11).
"""

import calendar
import secrets
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _due(received):
    month = received.month % 12 + 1
    year = received.year + (received.month == 12)
    day = min(received.day, calendar.monthrange(year, month)[1])
    return min(received.replace(year=year, month=month, day=day), received + timedelta(days=30))


def carry_over(apps, schema_editor):
    WithdrawalRequest = apps.get_model("consent", "WithdrawalRequest")
    RightsRequest = apps.get_model("rights", "RightsRequest")
    Step = apps.get_model("rights", "Step")
    done = set(
        RightsRequest.objects.filter(withdrawal_request_id__isnull=False).values_list(
            "withdrawal_request_id", flat=True
        )
    )
    now = timezone.now()
    pending = WithdrawalRequest.objects.exclude(pk__in=done).order_by("pk")
    for withdrawal in pending.iterator(chunk_size=500):
        is_open = withdrawal.state == "open"
        request = RightsRequest.objects.create(
            reference="R-" + "".join(secrets.choice(ALPHABET) for _ in range(10)),
            right="withdrawal",
            status="in_processing" if is_open else "complete",
            channel="consent_page",
            withdrawal_request_id=withdrawal.pk,
            received_at=withdrawal.created_at,
            due_at=_due(withdrawal.created_at),
            verified_at=withdrawal.created_at,
            verified_via="consent",
            verified_by="visitor (consent page)",
            approved_at=now,
            approved_by="migration: carried over from the consent page",
            completed_at=None if is_open else withdrawal.closed_at or now,
        )
        if is_open:
            Step.objects.create(
                request=request, name="locate", stage=0, next_attempt_at=now,
                params={"subject_id": withdrawal.subject_id}, created_at=now,
                updated_at=now - timedelta(hours=1),  # due for the sweeper at once
            )


class Migration(migrations.Migration):
    dependencies = [
        ("rights", "0001_requests_steps_exports_ledger"),
        ("consent", "0002_analytics_client_id_and_withdrawal_request"),
    ]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
