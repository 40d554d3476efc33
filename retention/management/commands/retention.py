"""`manage.py retention [--dry-run] [--check-vendors]`: run, preview or check the rules."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from retention.services.sweep import BATCH, DUTY, record_dry_run, sweep
from retention.services.vendors import check_google_analytics


class Command(BaseCommand):
    help = "Apply the register's retention rules (policy §5), or show what would go."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would go, change nothing"
        )
        parser.add_argument(
            "--check-vendors",
            action="store_true",
            help="compare GA4's data retention with the register",
        )
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")
        parser.add_argument(
            "--duty", type=float, default=DUTY, help="share of time spent sweeping (1: no rests)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        if options["check_vendors"]:
            self._check_vendors()
        elif options["dry_run"]:
            self._preview()
        else:
            self._sweep(batch=options["batch"], duty=options["duty"], quiet=options["no_progress"])

    def _preview(self) -> None:
        run, previews = record_dry_run()
        self.stdout.write(f"dry run {run.pk}: nothing changed; what a sweep would do now:")
        for rule in previews:
            oldest = f"{rule.oldest_clock:%Y-%m-%d}" if rule.oldest_clock else "-"
            self.stdout.write(
                f"{rule.title} ({rule.description}): {rule.would_go} would go, "
                f"oldest clock {oldest}, {rule.overdue} overdue by more than a day"
            )
            for table in rule.tables:
                if table.would_go:
                    self.stdout.write(f"  {table.table}: {table.would_go} ({table.action})")
            for note in rule.skipped:
                self.stdout.write(f"  skipped: {note}")

    def _sweep(self, *, batch: int, duty: float, quiet: bool) -> None:
        bars: dict[str, tqdm] = {}

        def progress(step, done: int, total: int) -> None:
            bar = bars.get(step.key)
            if bar is None:
                bar = bars[step.key] = tqdm(
                    total=total, desc=step.key, unit="rows", file=self.stderr
                )
            bar.update(done - bar.n)

        run = sweep(batch=batch, duty=duty, progress=None if quiet else progress)
        for bar in bars.values():
            bar.close()
        self.stdout.write(f"retention run {run.pk}: done in {run.duration_ms} ms")
        for rule, tables in run.counts.items():
            for table, counts in tables.items():
                summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
                self.stdout.write(f"  {rule} {table}: {summary}")
        for rule, notes in run.skipped.items():
            for note in notes:
                self.stdout.write(f"  skipped ({rule}): {note}")

    def _check_vendors(self) -> None:
        result = check_google_analytics()
        for line in result.lines:
            self.stdout.write(f"{result.vendor}: {line}")
        if result.ok is False:
            raise CommandError("a recipient keeps data longer than the register allows")
