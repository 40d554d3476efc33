import sys

from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = "Register of processing"

    def ready(self) -> None:
        from .errors import RegisterInvalid
        from .loader import get_register

        # Refuse to start with a broken register: every page and sweep depends on it.
        try:
            get_register()
        except RegisterInvalid as error:
            sys.stderr.write(f"leadkeeper: the register is invalid, refusing to start.\n{error}\n")
            raise
