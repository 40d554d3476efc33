from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.cloudflare.client import CloudflareClient
from integrations.cloudflare.errors import CloudflareError


class Command(BaseCommand):
    help = "Fetch Cloudflare's published IP ranges into CLOUDFLARE_RANGES_FILE (trusted proxies)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            networks = CloudflareClient().published_ranges()
        except CloudflareError as error:
            raise CommandError(f"kept the current list: {error}") from None
        path = settings.CLOUDFLARE_RANGES_FILE
        lines = [
            "# Cloudflare's published IP ranges (https://www.cloudflare.com/ips-v4 and ips-v6).",
            "# Refresh with: manage.py refresh_cloudflare_ranges",
            *(str(network) for network in networks),
        ]
        path.write_text("\n".join(lines) + "\n")
        self.stdout.write(f"{path}: {len(networks)} ranges; restart the web processes to apply")
