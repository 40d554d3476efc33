"""The contact form asks for what policy §2 lists and nothing else."""

from capture.forms import LeadForm, WebLeadForm
from capture.models import Lead
from register.loader import get_register

# Bot traps (honeypot, render stamp) and the consent checkbox are not personal data.
NOT_PERSONAL = {"consent", "website", "rendered_at"}


def test_every_form_field_stores_a_declared_category_and_none_is_special():
    """Policy §2: "We do not collect special categories of personal data" (GDPR Art. 9)."""
    declared = {c.id for c in get_register().categories}
    for form in (LeadForm, WebLeadForm):
        personal = set(form.base_fields) - NOT_PERSONAL
        assert personal <= set(Lead.register_fields), personal - set(Lead.register_fields)
        assert {Lead.register_fields[f] for f in personal} <= declared
    assert {"name", "phone", "email", "message", "attribution"} == {
        Lead.register_fields[f] for f in set(LeadForm.base_fields) - NOT_PERSONAL
    }
