"""manage.py rights replay-erasures: re-apply the erasure ledger after a backup restore."""

from django.core.management.base import BaseCommand, CommandParser

from rights.services.ledger import replay_erasures


class Command(BaseCommand):
    help = "Rights desk operations. replay-erasures: erase again what a restore brought back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["replay-erasures"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        report = replay_erasures()
        self.stdout.write(
            f"erasure ledger: {report.entries} entries; {report.subjects_found} subject(s) "
            f"found again, {report.subjects_erased} erased, {report.subjects_held} kept "
            "under a legal hold (restricted)"
        )
