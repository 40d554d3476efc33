import sys

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Register of processing"

    def ready(self) -> None:
        from .errors import RegisterInvalid
        from .loader import get_register
        from .services import publish_after_migrate

        # Refuse to start with a broken register: every page and sweep depends on it.
        try:
            get_register()
        except RegisterInvalid as error:
            sys.stderr.write(f"leadkeeper: the register is invalid, refusing to start.\n{error}\n")
            raise
        # Publishing writes, so it never happens in ready() or in a selector: after migrate.
        post_migrate.connect(
            publish_after_migrate, sender=self, dispatch_uid="register.publish_after_migrate"
        )
