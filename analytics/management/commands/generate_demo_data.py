"""manage.py generate_demo_data --visits N --leads M [--days D] [--seed S]"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from analytics.services.demo import generate_demo_data


class Command(BaseCommand):
    help = "Fill the analytics tables with realistic synthetic visits, events and leads."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--visits", type=int, default=5000)
        parser.add_argument("--leads", type=int, default=120)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--force", action="store_true", help="also when DEBUG is off (a production database)"
        )

    def handle(
        self, *args, visits: int, leads: int, days: int, seed: int | None, force: bool, **options
    ) -> None:
        if visits < 0 or leads < 0 or days < 1:
            raise CommandError("--visits and --leads must be >= 0, --days >= 1")
        if leads and not visits:
            raise CommandError("leads come from visits: give --visits too")
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a real database; synthetic leads would mix with "
                "real ones. Pass --force if you mean it."
            )
        result = generate_demo_data(visits=visits, leads=leads, days=days, seed=seed)
        self.stdout.write(
            f"{result.visits} visits ({result.events} events), {result.leads} leads "
            f"({result.won} won) over {result.days} days; rollups rebuilt"
        )
