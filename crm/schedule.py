from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .tasks import poll_kommo_changes, sweep_outbox

JOBS = [
    PeriodicJob(name="crm.sweep_outbox", task=sweep_outbox, every=timedelta(seconds=30)),
    PeriodicJob(name="crm.poll_kommo", task=poll_kommo_changes, every=timedelta(minutes=5)),
]
