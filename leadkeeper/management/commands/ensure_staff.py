import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first back-office account (once) and print its login; later runs say where to log in."

    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        url = f"{settings.SITE_URL}/admin/"
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                f"leadkeeper: back office at {url} (reset a password: "
                ".venv/bin/python manage.py changepassword admin)"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", email="", password=password)
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  leadkeeper: first back-office account created (shown this once):",
                    f"    {url}",
                    "    user:     admin",
                    f"    password: {password}",
                    "    On first login you set up an authenticator app (TOTP): keep a phone at hand.",
                    "",
                ]
            )
        )
