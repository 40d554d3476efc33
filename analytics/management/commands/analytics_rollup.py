"""manage.py analytics_rollup [--days N | --since YYYY-MM-DD]: rebuild daily rollups."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.errors import RollupRefused
from analytics.services.rollups import rebuild_day


class Command(BaseCommand):
    help = "Rebuild the daily analytics rollups (idempotent; pruned days are kept as they are)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=2)
        parser.add_argument("--since", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, days: int, since: datetime.date | None, **options) -> None:
        today = timezone.now().astimezone(datetime.UTC).date()
        start = since or today - datetime.timedelta(days=days - 1)
        if start > today:
            raise CommandError(f"{start} is in the future")
        day, rebuilt, kept = start, 0, 0
        while day <= today:
            try:
                rebuild_day(day=day)
                rebuilt += 1
            except RollupRefused:
                kept += 1
            day += datetime.timedelta(days=1)
        self.stdout.write(f"{rebuilt} days rebuilt, {kept} final days kept")
