import ipaddress

import httpx
import pytest

from integrations.cloudflare.client import CloudflareClient
from integrations.cloudflare.errors import CloudflareRejected, CloudflareUnavailable


def _client(handler) -> CloudflareClient:
    return CloudflareClient(base_url="https://cf.test", transport=httpx.MockTransport(handler))


def test_published_ranges_are_parsed_v4_then_v6():
    def handler(request: httpx.Request) -> httpx.Response:
        text = {"/ips-v4": "173.245.48.0/20\n103.21.244.0/22\n", "/ips-v6": "2400:cb00::/32"}
        return httpx.Response(200, text=text[request.url.path])

    assert _client(handler).published_ranges() == [
        ipaddress.ip_network("173.245.48.0/20"),
        ipaddress.ip_network("103.21.244.0/22"),
        ipaddress.ip_network("2400:cb00::/32"),
    ]


def test_a_malformed_list_is_refused_with_its_line():
    def handler(request):
        return httpx.Response(200, text="173.245.48.0/20\n<html>oops</html>")

    with pytest.raises(CloudflareRejected, match="line 2"):
        _client(handler).published_ranges()


@pytest.mark.parametrize(
    ("status", "error"), [(503, CloudflareUnavailable), (404, CloudflareRejected)]
)
def test_http_failures_are_typed(status, error):
    with pytest.raises(error):
        _client(lambda request: httpx.Response(status)).published_ranges()


def test_an_empty_list_is_refused():
    with pytest.raises(CloudflareRejected, match="no networks"):
        _client(lambda request: httpx.Response(200, text="\n")).published_ranges()
