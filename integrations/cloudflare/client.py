"""Cloudflare's published IP ranges, which decide when CF-Connecting-IP is trusted.

https://www.cloudflare.com/ips/ lists them as plain text, one CIDR a line.
"""

import ipaddress

import httpx

from .errors import CloudflareRejected, CloudflareUnavailable

BASE_URL = "https://www.cloudflare.com"
IPS_V4 = "/ips-v4"  # https://www.cloudflare.com/ips-v4
IPS_V6 = "/ips-v6"  # https://www.cloudflare.com/ips-v6
TIMEOUT = httpx.Timeout(10.0, connect=5.0)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class CloudflareClient:
    def __init__(
        self, *, base_url: str = BASE_URL, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=TIMEOUT, transport=transport)

    def published_ranges(self) -> list[Network]:
        """Every published range, IPv4 then IPv6; refuses an empty or malformed list."""
        return self._ranges(IPS_V4) + self._ranges(IPS_V6)

    def _ranges(self, path: str) -> list[Network]:
        try:
            response = self._http.get(path)
        except httpx.TransportError as error:
            raise CloudflareUnavailable(f"GET {path} failed: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise CloudflareUnavailable(f"GET {path} answered {response.status_code}")
        if response.status_code != 200:
            raise CloudflareRejected(f"GET {path} answered {response.status_code}")
        networks = []
        for number, line in enumerate(response.text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            try:
                networks.append(ipaddress.ip_network(line))
            except ValueError:
                raise CloudflareRejected(f"{path} line {number} is not an IP network") from None
        if not networks:
            raise CloudflareRejected(f"{path} listed no networks")
        return networks
