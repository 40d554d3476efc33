from django.core.management.base import BaseCommand, CommandError

from audit.services import seal_events, verify_chain


class Command(BaseCommand):
    help = "Seal waiting audit events (`audit seal`) or verify the hash chain (`audit verify`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        if action == "seal":
            self.stdout.write(f"sealed {seal_events()} audit events")
            return
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit trail broken after {report.checked} events: {report.problem}"
            )
        since = (
            f" (pruned through event {report.pruned_through} by the retention rule)"
            if report.pruned_through
            else ""
        )
        self.stdout.write(
            f"audit trail intact: {report.checked} events verified{since}; "
            f"{report.unsealed} waiting for their seal"
        )
        if report.overdue:
            raise CommandError(
                f"{report.overdue} audit events have waited over 10 minutes for their seal: "
                "is the scheduler running?"
            )
