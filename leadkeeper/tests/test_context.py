import pytest

from leadkeeper.context import client_country, client_ip, parse_user_agent, request_context

from .factories import CHROME_DESKTOP, IPHONE, make_request

CLOUDFLARE_EDGE = "172.70.1.1"  # inside 172.64.0.0/13


def test_cloudflare_header_is_trusted_only_from_cloudflare_ranges():
    via_cloudflare = make_request(REMOTE_ADDR=CLOUDFLARE_EDGE, HTTP_CF_CONNECTING_IP="81.2.69.160")
    spoofed = make_request(REMOTE_ADDR="203.0.113.9", HTTP_CF_CONNECTING_IP="81.2.69.160")
    assert client_ip(via_cloudflare) == "81.2.69.160"
    assert client_ip(spoofed) == "203.0.113.9"


def test_a_malformed_forwarded_address_falls_back_to_the_socket():
    request = make_request(REMOTE_ADDR=CLOUDFLARE_EDGE, HTTP_CF_CONNECTING_IP="not-an-ip")
    assert client_ip(request) == CLOUDFLARE_EDGE


def test_country_from_cloudflare_header_when_trusted_else_offline_lookup():
    trusted = make_request(REMOTE_ADDR=CLOUDFLARE_EDGE, HTTP_CF_IPCOUNTRY="de")
    untrusted = make_request(REMOTE_ADDR="8.8.8.8", HTTP_CF_IPCOUNTRY="DE")
    assert client_country(trusted, "81.2.69.160") == "DE"
    assert client_country(untrusted, "8.8.8.8") == "US"  # iptocc, not the spoofed header
    assert client_country(make_request(REMOTE_ADDR="10.0.0.1"), "10.0.0.1") == ""


@pytest.mark.parametrize(
    ("user_agent", "browser", "device_type", "is_bot"),
    [
        (CHROME_DESKTOP, "Chrome", "desktop", False),
        (IPHONE, "Mobile Safari", "mobile", False),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "",
            "bot",
            True,
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Mobile Safari",
            "tablet",
            False,
        ),
        ("", "", "other", False),
    ],
)
def test_user_agent_is_parsed_into_browser_os_and_device(user_agent, browser, device_type, is_bot):
    info = parse_user_agent(user_agent)
    assert (info.browser, info.device_type, info.is_bot) == (browser, device_type, is_bot)


def test_request_context_bundles_ip_country_and_user_agent():
    context = request_context(make_request(REMOTE_ADDR="8.8.8.8", HTTP_USER_AGENT=IPHONE))
    assert (context.ip, context.country, context.ua.os) == ("8.8.8.8", "US", "iOS")
