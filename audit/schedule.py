from datetime import timedelta

from leadkeeper.scheduling import PeriodicJob

from .tasks import seal_audit_events

JOBS = [PeriodicJob(name="audit.seal", task=seal_audit_events, every=timedelta(seconds=10))]
