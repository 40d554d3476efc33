from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (`audit verify`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: object, **options: object) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit trail broken after {report.checked} events: {report.problem}"
            )
        self.stdout.write(f"audit trail intact: {report.checked} events verified")
