from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from register.errors import RegisterInvalid
from register.lint import lint_register, stored_categories
from register.loader import load_register, register_digest, register_path
from register.promises import check_promises, promise_table
from register.retention_check import clockless_retention_problems
from register.services import publish_policy_version


class Command(BaseCommand):
    help = (
        "`register check`: validate the register, lint it and check that every promise of "
        "the policy is proven by a test; `register publish`: publish its policy version; "
        "`register promises`: print the promise -> test table (Markdown, for the README)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["check", "publish", "promises"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        path = register_path()
        try:
            reg = load_register(path)
        except RegisterInvalid as error:
            raise CommandError(str(error)) from None
        if action == "publish":
            version = publish_policy_version()
            self.stdout.write(f"policy version {version.number} ({version.digest[:12]}) is current")
            return
        report = check_promises(reg.promises, root=settings.BASE_DIR)
        if action == "promises":
            self.stdout.write(promise_table(reg.promises, report))
            return
        self.stdout.write(
            f"{path}: valid — {len(reg.purposes)} purposes, {len(reg.categories)} categories, "
            f"{len(reg.recipients)} recipients, {len(reg.cookies)} cookies, "
            f"{len(reg.retention)} retention rules; digest {register_digest()[:12]}"
        )
        findings = [str(f) for f in lint_register(reg, stored=stored_categories())]
        self.stdout.write(f"register: {len(findings) or 'no'} linter findings")
        self.stdout.write(f"promises: {report.summary()}")
        problems = findings + clockless_retention_problems(reg) + report.problems
        if problems:
            raise CommandError(
                f"the register breaks {len(problems)} rule(s):\n" + "\n".join(problems)
            )
