from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .tasks import attribute_new_leads, rollup_recent_days, rotate_salts

JOBS = [
    # Every five minutes, so a salt outlives its day by five minutes at most.
    PeriodicJob(name="analytics.rotate_salts", task=rotate_salts, every=timedelta(minutes=5)),
    PeriodicJob(
        name="analytics.rollup_recent_days", task=rollup_recent_days, every=timedelta(minutes=10)
    ),
    # Raw events older than 14 months are deleted by the retention sweep (retention/plans.py).
    # Every ten seconds: a lead is attributed while its day's salt exists (services/attribution).
    PeriodicJob(
        name="analytics.attribute_new_leads", task=attribute_new_leads, every=timedelta(seconds=10)
    ),
]
