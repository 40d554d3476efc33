from django.http import HttpRequest
from django.test import RequestFactory

from leadkeeper.context import RequestContext, parse_user_agent

CHROME_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def request_context(ip: str = "95.31.18.119", user_agent: str = CHROME_DESKTOP) -> RequestContext:
    return RequestContext(
        ip=ip, country="RU", user_agent=user_agent, ua=parse_user_agent(user_agent)
    )


def make_request(**meta: str) -> HttpRequest:
    return RequestFactory().get("/", **meta)
