import datetime

from capture.tests.factories import CHROME_DESKTOP, IPHONE
from leadkeeper.context import RequestContext, parse_user_agent

from ..models import Event

__all__ = ["CHROME_DESKTOP", "IPHONE", "context", "event"]

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def context(ip: str = "95.31.18.119", user_agent: str = CHROME_DESKTOP) -> RequestContext:
    return RequestContext(
        ip=ip, country="RU", user_agent=user_agent, ua=parse_user_agent(user_agent)
    )


def event(
    *,
    ts: datetime.datetime,
    key: str = "k1",
    kind: int = Event.PAGEVIEW,
    path: str = "/",
    source: tuple[str, str, str, str] = ("direct", "(direct)", "(none)", ""),
    duration_ms: int | None = None,
    device: str = "desktop",
    browser: str = "Chrome",
    os: str = "Windows",
    country: str = "RU",
    consented_id: str = "",
) -> Event:
    source_class, source_name, medium, campaign = (
        source if kind == Event.PAGEVIEW else ("", "", "", "")
    )
    return Event.objects.create(
        ts=ts,
        retention_from=ts,
        type=kind,
        visitor_key=key,
        path=path,
        source_class=source_class,
        source=source_name,
        medium=medium,
        campaign=campaign,
        duration_ms=duration_ms,
        device_type=device,
        browser=browser,
        os=os,
        country=country,
        consented_id=consented_id,
    )
