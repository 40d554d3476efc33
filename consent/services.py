import hashlib
import ipaddress
import uuid

from django.utils.translation import get_language

from capture.context import RequestContext
from capture.models import Lead, Subject
from register.selectors import current_policy_version

from .models import ConsentRecord, ConsentText
from .texts import form_consent_text


def truncate_ip(ip: str) -> str:
    """Keep the network, drop the host: /24 for IPv4, /48 for IPv6."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def consent_text(*, kind: str, text: str, policy_version: int) -> ConsentText:
    language = (get_language() or "en")[:8]
    digest = hashlib.sha256(f"{kind}|{language}|{policy_version}|{text}".encode()).hexdigest()
    found, _created = ConsentText.objects.get_or_create(
        digest=digest,
        defaults={
            "kind": kind,
            "language": language,
            "policy_version": policy_version,
            "text": text,
        },
    )
    return found


def record_form_consent(
    *, subject: Subject, lead: Lead, context: RequestContext, method: str
) -> ConsentRecord:
    """Proof of the contact form's explicit consent (policy §4, GDPR Art. 6(1)(a), 7(1))."""
    version = current_policy_version().number
    return ConsentRecord.objects.create(
        subject=subject,
        retention_from=lead.created_at,
        consent_id=uuid.uuid4(),
        kind=ConsentRecord.Kind.FORM,
        action=ConsentRecord.Action.GRANT,
        categories={"contact_form": True},
        text=consent_text(kind="form", text=form_consent_text(), policy_version=version),
        policy_version=version,
        method=method,
        ip_address=truncate_ip(context.ip),
        user_agent=context.user_agent,
        lead=lead,
        created_at=lead.created_at,
    )
