"""A dedicated delivery loop (besides the django-tasks workers): `manage.py crm_deliver`."""

from django.core.management.base import BaseCommand

from crm.delivery import drain


class Command(BaseCommand):
    help = "Deliver queued leads to Kommo, paced with every other worker. Ctrl-C stops."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--drain", action="store_true", help="exit when no lead is waiting any more"
        )
        parser.add_argument("--max-seconds", type=float, default=None)
        parser.add_argument("--worker", default=None, help="name shown in claims (host:pid)")

    def handle(self, *args, **options) -> None:
        report = drain(
            worker=options["worker"],
            max_seconds=options["max_seconds"],
            idle_exit=options["drain"],
        )
        self.stdout.write(str(report))
