from django.core.management.base import BaseCommand, CommandError

from register.errors import RegisterInvalid
from register.loader import load_register, register_digest, register_path
from register.services import publish_policy_version


class Command(BaseCommand):
    help = "Validate the register of processing (`register check`) or publish its policy version (`register publish`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["check", "publish"])

    def handle(self, *args: object, action: str, **options: object) -> None:
        path = register_path()
        try:
            reg = load_register(path)
        except RegisterInvalid as error:
            raise CommandError(str(error)) from None
        if action == "check":
            self.stdout.write(
                f"{path}: valid — {len(reg.purposes)} purposes, {len(reg.categories)} categories, "
                f"{len(reg.recipients)} recipients, {len(reg.cookies)} cookies, "
                f"{len(reg.retention)} retention rules; digest {register_digest()[:12]}"
            )
        else:
            version = publish_policy_version()
            self.stdout.write(f"policy version {version.number} ({version.digest[:12]}) is current")
