"""The access report (Art. 15(1)(a)-(h), (2), (3)) and the portability export (Art. 20).

Both are ZIPs built from what we hold and from the register, so a new recipient or a
changed retention period changes the report with the policy.
"""

import io
import json
import zipfile
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from leadkeeper.csvexport import write_rows
from register.loader import get_register

from .models import Right, RightsRequest
from .stores import Holdings

SOURCE = gettext_lazy(
    "You gave these data yourself through our contact form, the JSON API of our partners' "
    "landing pages or the Cal.com booking widget; device, network and campaign data were "
    "recorded by our website when you sent them (Art. 14 does not apply)."
)
NO_AUTOMATED_DECISIONS = gettext_lazy(
    "No decision based solely on automated processing, including profiling, that produces "
    "legal or similarly significant effects is made about you (Art. 22)."
)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def register_facts() -> dict:
    """Purposes, bases, categories, recipients, retention, rights and complaint route, in
    the active language (the register's `_ru` twins, the catalogue for our own sentences)."""
    register = get_register().localized(translation.get_language() or "en")
    bases = {b.id: b for b in register.legal_bases}
    rules = {r.id: r for r in register.retention}
    return {
        "controller": register.controller.model_dump(mode="json"),
        "purposes": [
            {
                "purpose": p.title,
                "legal_basis": f"Art. {bases[p.legal_basis].article}: {bases[p.legal_basis].title}",
                "categories": p.categories,
            }
            for p in register.purposes
        ],
        "categories": [
            {"id": c.id, "title": c.title, "retention": rules[c.retention].description}
            for c in register.categories
        ],
        "recipients": [
            {"name": r.name, "role": r.role, "shares": r.shares_text, "country": r.country}
            for r in register.recipients
        ],
        "transfers": register.policy.transfers,
        "source": str(SOURCE),
        "automated_decision_making": str(NO_AUTOMATED_DECISIONS),
        "rights": [str(label) for _value, label in Right.choices],
        "complaint": {
            "authority": register.controller.supervisory_authority,
            "contact": register.controller.supervisory_authority_contact,
        },
    }


def access_report(*, request: RightsRequest, found: Holdings) -> bytes:
    """The report in the language the request was made in (Art. 12(1): intelligible)."""
    with translation.override(request.language or "en"):
        return _access_report(request=request, found=found)


def _access_report(*, request: RightsRequest, found: Holdings) -> bytes:
    data = {
        "language": translation.get_language(),
        "reference": request.reference,
        "generated_at": timezone.now().isoformat(),
        "data": _plain(
            {
                "leads": found.leads,
                "consent_records": found.consents,
                "bookings": found.bookings,
                "google_analytics_client_ids": found.ga_client_ids,
                "campaign_attribution": found.attributions,
                "linked_analytics_events": found.analytics_events,
            }
        ),
        **register_facts(),
    }
    html = render_to_string("rights/report.html", {"report": data, "found": found})
    return _zip({"report.html": html, "data.json": json.dumps(data, indent=2, ensure_ascii=False)})


PROVIDED_LEAD_FIELDS = ["created_at", "name", "phone", "email", "message"]


def portability_export(*, request: RightsRequest, found: Holdings) -> bytes:
    """What the person provided (Art. 20(1)), in JSON and CSV."""
    leads = [{f: _plain(lead[f]) for f in PROVIDED_LEAD_FIELDS} for lead in found.leads]
    bookings = [{f: _plain(b[f]) for f in ("start_time", "name", "email")} for b in found.bookings]
    body = {"reference": request.reference, "contact_requests": leads, "bookings": bookings}
    return _zip(
        {
            "data.json": json.dumps(body, indent=2, ensure_ascii=False),
            "contact_requests.csv": _csv(PROVIDED_LEAD_FIELDS, leads),
            "bookings.csv": _csv(["start_time", "name", "email"], bookings),
        }
    )


def _csv(fields: list[str], rows: list[dict]) -> str:
    """Through the house CSV writer: a phone's '+' must not become a spreadsheet formula."""
    out = io.StringIO()
    write_rows(out, header=fields, rows=([row[f] for f in fields] for row in rows))
    return out.getvalue()


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()
