from capture.services import LeadData
from leadkeeper.tests.factories import (  # noqa: F401  (re-exported for the other apps' tests)
    CHROME_DESKTOP,
    IPHONE,
    make_request,
    request_context,
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
