from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .tasks import sweep_outbox

JOBS = [PeriodicJob(name="crm.sweep_outbox", task=sweep_outbox, every=timedelta(seconds=30))]
