from django.core.management.base import BaseCommand
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from leadkeeper.keyrotation import rotate_model, rotation_plans


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest FIELD_ENCRYPTION_KEYS key and "
        "recompute every blind index under the newest BLIND_INDEX_KEYS key. Resumable: a "
        "rerun after a crash continues where the last committed batch ended. Remove old "
        "keys from the lists only after this has finished."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")

    def handle(self, *args: object, batch: int, **options: object) -> None:
        plans = rotation_plans()
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, disable=options.get("verbosity", 1) == 0) as bar:
            for plan in plans:
                task = bar.add_task(plan.label, total=plan.model._default_manager.count())
                progress = rotate_model(
                    plan, batch=batch, on_batch=lambda n, t=task: bar.advance(t, n)
                )
                bar.update(task, completed=progress.rows_done)
        self.stdout.write(f"rotate_keys: {len(plans)} models on the newest keys")
