"""Rights steps survive a worker SIGKILLed at random points (issue 14, item 7).

Erasure, restriction and rectification requests whose steps write to the local Kommo,
Cal.com and Google doubles; the real db_worker is killed mid-work and restarted
(leadkeeper/tests/worker_kills.py). The DPO applies each rectification on the desk while the
worker is being killed, and its Kommo step then runs by itself (Art. 16, 19).
Every step must end settled, once. What "once" means at each recipient:
- Kommo: a step is one PATCH that sets fields to fixed values and adds a tag, so a PATCH
  re-sent after a kill (the write landed, the worker died before recording it) changes
  nothing. We count distinct effective writes per entity (different bodies): exactly one.
- Cal.com: a cancel is not idempotent (a second one is answered 400 "already cancelled",
  as the API documents), so a re-run step asks first; at most one successful cancel per
  booking, and any second cancel must have been answered 400, harmlessly.
- Google: `userDeletionRequests:upsert` creates or updates the one deletion request of a
  client id (idempotent by design): at least one upsert per client id, re-sends counted.
And for every step: no step left runnable, one "finished" audit event, not two.
"""

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from crm import pacing
from crm.models import KommoState
from crm.tests.kommo_double import KommoDouble
from integrations.calcom.client import CANCEL_BOOKING
from integrations.calcom.tests.calcom_double import CalcomDouble
from integrations.google.tests.google_double import GoogleDouble
from leadkeeper.tests.worker_kills import Scenario, Tally, publish, run_with_kills
from rights.models import RightsRequest, Step
from rights.services.runner import STUCK_AFTER
from rights.tasks import sweep_steps

from .helpers import lead, verified
from .recipients import PROPERTY_ID, booked, ga_client_id, in_kommo

ERASURES = 6
RESTRICTIONS = 2
RECTIFICATIONS = 2
REQUESTS = ERASURES + RESTRICTIONS + RECTIFICATIONS
KILLS = 5
BUDGET_SECONDS = 240  # a failure threshold; it takes 60-120 s on a loaded machine
# How a step's end is audited: by the worker, or by the DPO on the desk (a rectification).
FINISHED = ("rights.step.done", "rights.step.vendor_pending", "rights.step.resolved")


def _requests(kommo: KommoDouble, calcom: CalcomDouble) -> tuple[list[int], dict[str, str]]:
    """Each request's person: a lead in Kommo; erasures also a booking and a GA client id."""
    ids, expected = [], {}
    for n in range(REQUESTS):
        email = f"person{n}@example.com"
        captured = lead(email=email, phone=f"+7916555{n:04d}", name=f"Person {n}")
        contact_id, lead_id = in_kommo(kommo, captured)
        if n >= ERASURES + RESTRICTIONS:  # Art. 16 corrects the contact, not the lead
            expected[f"contacts:{contact_id}"] = "rectification"
            ids.append(verified("rectification", email=email, details="my name is wrong").pk)
            continue
        right = "erasure" if n < ERASURES else "restriction"
        expected[f"contacts:{contact_id}"] = expected[f"leads:{lead_id}"] = right
        if right == "erasure":
            expected[f"booking:{booked(calcom, captured, days=3 + n)}"] = right
            expected[f"ga:{ga_client_id(captured, f'{1000 + n}.{1673515452 + n}')}"] = right
        ids.append(verified(right, email=email).pk)
    return ids, expected


def _steps(ids: list[int]):
    return Step.objects.filter(request_id__in=ids)


def _recover(ids: list[int]) -> None:
    """What time does for a dead worker: its claims run out, the sweeper's wait passes."""
    long_ago = timezone.now() - STUCK_AFTER - timedelta(seconds=1)
    runnable = _steps(ids).filter(state__in=Step.RUNNABLE)
    runnable.filter(claimed_until__isnull=False).update(claimed_until=long_ago)
    runnable.filter(next_attempt_at__isnull=False).update(next_attempt_at=long_ago)
    runnable.update(updated_at=long_ago)
    KommoState.objects.filter(pk=1).update(blocked_until=None, consecutive_failures=0)


def _unfinished(ids: list[int]) -> str:
    rows = _steps(ids).exclude(state__in=Step.SETTLED)
    return "; ".join(f"{s.name}@{s.target} {s.state} x{s.attempts}: {s.message}" for s in rows)


def _backoffs_run_out(ids: list[int]) -> None:
    """A vendor's refusal (Google's per-second quota) retries after minutes: time passes."""
    waiting = _steps(ids).filter(state=Step.State.RETRYING, claimed_until__isnull=True)
    if waiting.exists():
        long_ago = timezone.now() - STUCK_AFTER - timedelta(seconds=1)
        waiting.update(next_attempt_at=long_ago, updated_at=long_ago)
        sweep_steps.enqueue()


def _rectify_on_the_desk(ids: list[int]) -> None:
    """The DPO types the correction of every rectification waiting for it."""
    from rights.services.desk import apply_rectification

    for step in _steps(ids).filter(name="local.rectify", state=Step.State.WAITING):
        apply_rectification(step_id=step.pk, name=corrected_name(step.request_id), actor="dpo")


def corrected_name(request_id: int) -> str:
    return f"Corrected Person {request_id}"


def _finished(ids: list[int]) -> bool:
    located = _steps(ids).filter(name="locate", state=Step.State.DONE).count()
    rectifying = _steps(ids).filter(name__endswith=".rectify").exclude(state__in=Step.SETTLED)
    return (
        located == len(ids)
        and not _steps(ids).filter(state__in=Step.RUNNABLE).exists()
        and not rectifying.exists()
    )


def _kommo_writes(kommo: KommoDouble) -> tuple[Counter, Counter]:
    """PATCHes received per entity, and distinct bodies (effective writes) per entity."""
    sent, bodies = Counter(), {}
    for entity, item in kommo.patches:
        key = f"{entity}:{item['id']}"
        sent[key] += 1
        bodies.setdefault(key, set()).add(repr(sorted(item.items())))
    return sent, Counter({key: len(b) for key, b in bodies.items()})


def _cancels(calcom: CalcomDouble, uid: str) -> tuple[int, int]:
    calls = calcom.calls("POST", CANCEL_BOOKING.format(uid=uid))
    ok = sum(1 for call in calls if call.status == 200)
    return ok, sum(1 for call in calls if call.status != 200 and call.status != 400)


def _tally(ids: list[int], expected: dict[str, str], doubles: tuple) -> Tally:
    kommo, calcom, google = doubles
    sent, effective = _kommo_writes(kommo)
    upserts = Counter(d["id"]["userId"] for d in google.deletions)
    lost = duplicated = resent = 0
    for key, right in expected.items():
        kind, _, ref = key.partition(":")
        if kind == "booking":
            ok, wrong = _cancels(calcom, ref)
            lost += calcom.bookings[ref]["status"] != "cancelled"
            duplicated += max(ok - 1, 0) + wrong
            resent += len(calcom.calls("POST", CANCEL_BOOKING.format(uid=ref))) - ok
        elif kind == "ga":
            lost += upserts[ref] == 0
            resent += max(upserts[ref] - 1, 0)
        elif right == "rectification":
            contact = kommo.contacts[int(ref)]
            lost += sent[key] == 0 or not contact["name"].startswith("Corrected Person")
            duplicated += max(effective[key] - 1, 0)
            resent += max(sent[key] - 1, 0)
        else:
            tag = "gdpr-erased" if right == "erasure" else "gdpr-restricted"
            held = kommo.contacts if kind == "contacts" else kommo.leads
            lost += sent[key] == 0 or tag not in held[int(ref)]["tags"]
            duplicated += max(effective[key] - 1, 0)
            resent += max(sent[key] - 1, 0)
    steps = list(_steps(ids))
    lost += sum(1 for step in steps if step.state not in Step.SETTLED)
    finished = Counter(
        AuditEvent.objects.filter(
            object_type="rights.step", object_id__in=[str(s.pk) for s in steps], action__in=FINISHED
        ).values_list("object_id", flat=True)
    )
    duplicated += sum(max(finished[str(s.pk)] - 1, 0) for s in steps)
    lost += sum(1 for s in steps if finished[str(s.pk)] == 0)
    return Tally(
        items=len(steps),
        lost=lost,
        duplicated=duplicated,
        figures={
            "requests": len(ids),
            "steps done": sum(1 for s in steps if s.state in Step.SETTLED),
            "idempotent writes re-sent": resent,
            "step attempts": sum(s.attempts for s in steps),
            "faults retried": AuditEvent.objects.filter(
                object_type="rights.step", action="rights.step.retrying"
            ).count(),
        },
    )


@contextmanager
def rights_steps() -> Iterator[Scenario]:
    kommo = KommoDouble(token="fault-rights-token", rate_limit=None).start()
    kommo.delay = 0.25  # slowed, so kills land mid-request (the write lands, its record not)
    folder = tempfile.TemporaryDirectory()
    google = GoogleDouble.with_service_account(Path(folder.name), properties=(PROPERTY_ID,))
    calcom = CalcomDouble(api_key="cal_fault_key").start()
    configured: dict[str, object] = {
        "KOMMO_BASE_URL": kommo.url,
        "KOMMO_ACCESS_TOKEN": kommo.token,
        "KOMMO_REQUESTS_PER_SECOND": 50.0,
        "CALCOM_API_KEY": calcom.api_key,
        "CALCOM_API_URL": calcom.url,
        "GA_PROPERTY_ID": PROPERTY_ID,
        "GA_SERVICE_ACCOUNT_FILE": str(google.key_file),
        "GA_USER_DELETION_URL": google.upsert_url,
    }
    ids: list[int] = []
    expected: dict[str, str] = {}

    def prepare() -> None:
        made, wanted = _requests(kommo, calcom)
        ids.extend(made)
        expected.update(wanted)

    scenario = Scenario(
        name="rights.steps",
        prepare=prepare,
        # What the scheduler does every 2 minutes: the sweeper re-enqueues stuck steps.
        enqueue=lambda: sweep_steps.enqueue(),
        progress=lambda: _steps(ids).filter(~Q(finished_at=None)).count() + len(kommo.patches),
        finished=lambda: _finished(ids),
        recover=lambda: _recover(ids),
        tally=lambda: _tally(ids, expected, (kommo, calcom, google)),
        env={key: str(value) for key, value in configured.items()},
        settings=configured,
        # Up to 2 s of work per life: kills land past the locate steps, among vendor calls.
        kill_window=2.0,
        describe=lambda: _unfinished(ids),
        tick=lambda: (_backoffs_run_out(ids), _rectify_on_the_desk(ids)),
    )
    try:
        yield scenario
    finally:
        pacing.forget_clients()
        kommo.stop()
        calcom.stop()
        google.stop()
        folder.cleanup()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_rights_steps_leaves_every_step_done_once(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with rights_steps() as scenario:
        for key, value in scenario.settings.items():
            setattr(settings, key, value)
        report = run_with_kills(scenario, kills=KILLS, seed=20261126, budget_seconds=BUDGET_SECONDS)
    publish(report)  # the figures quoted in the README
    assert report.kills >= KILLS // 2
    assert report.tally.figures["requests"] == REQUESTS
    # locate, local, 2 Kommo (erasure, restriction); locate, local, Kommo (rectification)
    assert report.tally.items >= (ERASURES + RESTRICTIONS) * 4 + RECTIFICATIONS * 3
    assert (report.tally.lost, report.tally.duplicated) == (0, 0), report.line()
    statuses = set(RightsRequest.objects.values_list("status", flat=True))
    assert statuses <= {RightsRequest.Status.COMPLETE, RightsRequest.Status.REQUIRES_INPUT}
