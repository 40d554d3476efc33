from datetime import timedelta

from .scheduling import PeriodicJob
from .tasks import prune_rate_counters

JOBS = [
    # Hourly: a counter window is at most a day long, and pruning is one indexed DELETE.
    PeriodicJob(
        name="leadkeeper.prune_rate_counters", task=prune_rate_counters, every=timedelta(hours=1)
    ),
]
