"""What a consent depends on: the terms whose change asks visitors to consent again.

A consent is informed by who receives the data, for which consent-based purposes, which
cookies and for how long it is kept (GDPR Art. 7, Art. 13(1)(e), (2)(a); EDPB Guidelines
05/2020 on consent, para. 101-103: a change of purpose or recipient needs fresh consent).
A wording fix changes none of these, so it keeps every earlier choice; prose fields (titles,
descriptions, roles) are left out on purpose.
"""

from .schema import Register


def material_terms(register: Register) -> dict[str, object]:
    return {
        "consent_categories": sorted((c.id, c.required) for c in register.consent_categories),
        "consent_purposes": sorted(
            (p.id, sorted(p.categories), p.consent_category or "")
            for p in register.purposes
            if p.legal_basis == "consent"
        ),
        "recipients": sorted(
            (
                r.id,
                sorted(r.shares),
                r.when,
                sorted(r.hosts),
                sorted(r.server_hosts),
                r.outside_eea,
                sorted(r.purposes),
            )
            for r in register.recipients
        ),
        # Any change of a period asks again: a longer one is material; a shorter one
        # asks too, which costs a click and never under-informs.
        "retention": sorted((r.id, r.months, r.clock, r.action) for r in register.retention),
        "cookies": sorted((c.name, c.category, c.duration) for c in register.cookies),
    }
