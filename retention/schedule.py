from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .tasks import sweep_expired

JOBS = [
    # Daily: the promise is that nothing outlives its period by more than a day (issue 11);
    # the desk warns when anything is overdue by more than that.
    PeriodicJob(name="retention.sweep", task=sweep_expired, every=timedelta(days=1)),
]
