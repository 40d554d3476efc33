from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .tasks import send_digest, sweep_steps

JOBS = [
    PeriodicJob(name="rights.sweep_steps", task=sweep_steps, every=timedelta(minutes=2)),
    PeriodicJob(name="rights.digest", task=send_digest, every=timedelta(days=1)),
]
