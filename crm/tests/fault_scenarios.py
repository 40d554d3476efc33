"""CRM delivery as a scenario of the worker-kill harness (leadkeeper/tests/worker_kills.py)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from crm.models import KommoState, OutboxMessage
from crm.tasks import deliver_due_outbox
from leadkeeper.tests.worker_kills import Scenario, Tally

from .factories import make_leads
from .kommo_double import KommoDouble

LEADS = 100


@contextmanager
def crm_delivery() -> Iterator[Scenario]:
    """100 leads delivered to the local Kommo (slowed, so kills land mid-request)."""
    kommo = KommoDouble(token="fault-token", rate_limit=None).start()
    # Slowed: a batch goes in a few complex requests (up to 50 leads each), so at 0.03 s a
    # request the work was over before the first kill; at 0.5 s the kills land mid-batch.
    kommo.delay = 0.5
    leads: list[int] = []
    configured: dict[str, object] = {
        "KOMMO_BASE_URL": kommo.url,
        "KOMMO_ACCESS_TOKEN": kommo.token,
        "KOMMO_MODE": "complex",
        "KOMMO_REQUESTS_PER_SECOND": 50.0,
    }

    def prepare() -> None:
        leads.extend(lead.pk for lead in make_leads(LEADS))

    def rows():
        return OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CRM_LEAD)

    def recover() -> None:
        # The dead worker's leases run out (LEASE is 120 s; the harness does not wait it).
        rows().exclude(state=OutboxMessage.State.DELIVERED).update(claimed_until=timezone.now())
        KommoState.objects.filter(pk=1).update(blocked_until=None, consecutive_failures=0)

    def tally() -> Tally:
        markers = kommo.markers()
        counts = [markers.get(f"lk-{pk}", 0) for pk in leads]
        return Tally(
            items=len(leads),
            lost=sum(1 for c in counts if c == 0),
            duplicated=sum(c - 1 for c in counts if c > 1),
        )

    scenario = Scenario(
        name="crm.delivery",
        prepare=prepare,
        # What the scheduler does each second while a row is due: wake the delivery job,
        # which the (killed, then restarted) worker runs.
        enqueue=lambda: deliver_due_outbox.enqueue(),
        progress=lambda: len(kommo.received),
        finished=lambda: not rows().exclude(state=OutboxMessage.State.DELIVERED).exists(),
        recover=recover,
        tally=tally,
        env={key: str(value) for key, value in configured.items()},
        settings=configured,
    )
    try:
        yield scenario
    finally:
        kommo.stop()
