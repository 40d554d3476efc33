from django.test import RequestFactory

from capture.context import RequestContext, parse_user_agent
from capture.services import LeadData

CHROME_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def lead_payload(**overrides: object) -> dict:
    payload = {
        "name": "Ivan Petrov",
        "phone": "+7 916 123-45-67",
        "email": "Ivan.Petrov@Example.COM",
        "message": "We need Kommo for 12 managers",
        "consent": True,
        "utm_source": " Google ",
        "utm_medium": "CPC",
        "utm_campaign": "kommo_autumn",
        "referrer": "https://www.google.com/search?q=kommo+crm",
        "landing_page": "https://kommoexpert.ru/?utm_source=google&utm_medium=cpc&fbclid=&x=1",
    }
    payload.update(overrides)
    return payload


def lead_data(**overrides: object) -> LeadData:
    values = {
        "name": "Ivan Petrov",
        "phone": "+79161234567",
        "email": "ivan.petrov@example.com",
        "message": "",
        "attribution": {"utm_source": "google", "utm_medium": "cpc"},
    }
    values.update(overrides)
    return LeadData(**values)


def request_context(ip: str = "95.31.18.119", user_agent: str = CHROME_DESKTOP) -> RequestContext:
    return RequestContext(
        ip=ip, country="RU", user_agent=user_agent, ua=parse_user_agent(user_agent)
    )


def make_request(**meta: str):
    return RequestFactory().get("/", **meta)
