import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from leadkeeper import scheduling

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue periodic jobs (sweeps, polls, digests) while holding the scheduler lease."

    def handle(self, *args: object, **options: object) -> None:
        holder = scheduling.holder_id()
        jobs = scheduling.discover_jobs()
        scheduler = BlockingScheduler(timezone="UTC")

        def run(job: scheduling.PeriodicJob) -> None:
            close_old_connections()
            try:
                scheduling.enqueue_if_leader(job, holder=holder)
            finally:
                close_old_connections()

        def renew() -> None:
            close_old_connections()
            scheduling.acquire_lease(holder=holder)

        scheduler.add_job(renew, "interval", seconds=scheduling.LEASE_SECONDS // 3, id="lease")
        for job in jobs:
            scheduler.add_job(
                run,
                "interval",
                args=[job],
                seconds=job.every.total_seconds(),
                id=job.name,
                coalesce=True,
                max_instances=1,
            )

        def stop(signum: int, frame: object) -> None:
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"scheduler: {len(jobs)} periodic jobs: {', '.join(j.name for j in jobs)}"
        )
        renew()
        try:
            scheduler.start()
        finally:
            scheduling.release_lease(holder=holder)
            self.stdout.write("scheduler: stopped, lease released")
