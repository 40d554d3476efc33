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


# --- Issue 15 item 4: the client behind our own proxies ---------------------------------------


def test_behind_a_trusted_proxy_the_client_is_the_last_address_it_did_not_write(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = make_request(
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 81.2.69.160, 10.0.0.7"
    )
    # 10.0.0.7 is our second proxy; 81.2.69.160 connected to it; 1.2.3.4 is what the client
    # claimed, and a client can claim anything.
    assert client_ip(request) == "81.2.69.160"


def test_forwarded_for_is_ignored_from_an_address_that_is_not_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = make_request(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="81.2.69.160")
    assert client_ip(request) == "203.0.113.9"


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    request = make_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="81.2.69.160")
    assert client_ip(request) == "10.0.0.2"


def test_cloudflare_behind_our_proxy_still_names_the_visitor(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = make_request(
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"81.2.69.160, {CLOUDFLARE_EDGE}",
        HTTP_CF_CONNECTING_IP="81.2.69.160",
    )
    assert client_ip(request) == "81.2.69.160"
