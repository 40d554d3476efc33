"""Request context captured with each lead: client IP, approximate country, parsed User-Agent.

The client IP comes from Cloudflare's `CF-Connecting-IP` only when the connecting socket is
inside Cloudflare's published ranges; anyone else could set that header. Behind our own
proxies (`TRUSTED_PROXIES`, CIDRs) the client is the right-most `X-Forwarded-For` entry
that no trusted proxy wrote; entries further left are whatever the client sent. The country
comes from `CF-IPCountry` under the Cloudflare condition, else from iptocc's offline database.
"""

import ipaddress
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import iptocc
from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.http import HttpRequest
from ua_parser import parse as parse_ua

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_MOBILE_OS = {"Android", "iOS", "Windows Phone", "KaiOS", "BlackBerry OS", "Firefox OS"}
_TABLET_HINTS = ("iPad", "Tablet", "Kindle", "Nexus 7", "Nexus 9", "Nexus 10", "SM-T", "Tab")


@dataclass(frozen=True)
class UserAgentInfo:
    browser: str
    os: str
    device_type: str  # desktop, mobile, tablet, bot, other
    is_bot: bool


@dataclass(frozen=True)
class RequestContext:
    ip: str
    country: str
    user_agent: str
    ua: UserAgentInfo


@cache
def cloudflare_networks(path: Path | None = None) -> tuple[IPNetwork, ...]:
    source = Path(path or settings.CLOUDFLARE_RANGES_FILE)
    networks = []
    for line in source.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            networks.append(ipaddress.ip_network(line))
    return tuple(networks)


@lru_cache(maxsize=4096)
def _is_cloudflare(address: str) -> bool:
    """Whether a peer address is in Cloudflare's ranges (asked twice a lead; remembered)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in cloudflare_networks())


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


@lru_cache(maxsize=4)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)


def _behind_trusted_proxies(remote: str, forwarded_for: str) -> str:
    """Walk X-Forwarded-For from the right past our own proxies (each appends its peer)."""
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    for hop in reversed(forwarded_for.split(",")):
        if not any(ipaddress.ip_address(remote) in net for net in trusted):
            break
        hop_ip = _valid_ip(hop)
        if not hop_ip:
            break
        remote = hop_ip
    return remote


def client_ip(request: HttpRequest) -> str:
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    if remote and settings.TRUSTED_PROXIES:
        remote = _behind_trusted_proxies(remote, request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if _is_cloudflare(remote):
        forwarded = _valid_ip(request.META.get("HTTP_CF_CONNECTING_IP", ""))
        if forwarded:
            return forwarded
    return remote


def client_country(request: HttpRequest, ip: str) -> str:
    if _is_cloudflare(request.META.get("REMOTE_ADDR", "")):
        code = request.META.get("HTTP_CF_IPCOUNTRY", "").strip().upper()
        # XX: unknown, T1: Tor (Cloudflare's documented special values).
        if len(code) == 2 and code.isalpha() and code != "XX":
            return code
    return (iptocc.country_code(ip) or "") if ip else ""


@cache
def _crawler_detect() -> CrawlerDetect:
    return CrawlerDetect()


@lru_cache(maxsize=4096)
def parse_user_agent(user_agent: str) -> UserAgentInfo:
    if not user_agent:
        return UserAgentInfo(browser="", os="", device_type="other", is_bot=False)
    if _crawler_detect().isCrawler(user_agent):
        return UserAgentInfo(browser="", os="", device_type="bot", is_bot=True)
    result = parse_ua(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    os_family = result.os.family if result.os else ""
    device = result.device.family if result.device else ""
    if result.device and result.device.family == "Spider":
        return UserAgentInfo(browser=browser, os=os_family, device_type="bot", is_bot=True)
    if any(hint in device for hint in _TABLET_HINTS) or (
        os_family == "Android" and "Mobile" not in user_agent
    ):
        device_type = "tablet"
    elif os_family in _MOBILE_OS:
        device_type = "mobile"
    elif os_family in {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD"}:
        device_type = "desktop"
    else:
        device_type = "other"
    return UserAgentInfo(
        browser=browser[:64], os=os_family[:64], device_type=device_type, is_bot=False
    )


def request_context(request: HttpRequest) -> RequestContext:
    ip = client_ip(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:512]
    return RequestContext(
        ip=ip,
        country=client_country(request, ip),
        user_agent=user_agent,
        ua=parse_user_agent(user_agent),
    )
