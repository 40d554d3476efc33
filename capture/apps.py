from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "capture"
    verbose_name = "Leads and subjects"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the register-consistency check)
