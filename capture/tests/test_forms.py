"""The contact form asks for what policy §2 lists and nothing else."""

import pytest
from django import forms

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


def test_forms_share_their_fields_and_keep_their_own_errors_and_data():
    """Issue 9: no deep copy of fifteen fields per request; nothing per form lives on them."""
    broken = WebLeadForm(data={"name": " ", "phone": "12", "consent": ""})
    good = WebLeadForm(
        data={"name": "Анна", "phone": "+7 916 123-45-67", "consent": "on", "utm_source": "X"}
    )
    assert broken.fields["phone"] is good.fields["phone"] is WebLeadForm.base_fields["phone"]
    assert not broken.is_valid() and good.is_valid()
    assert set(broken.errors) == {"name", "phone", "consent"} and not good.errors
    assert good.cleaned_data["utm_source"] == "X"
    html = good.as_p()
    assert "aria-invalid" not in html and 'value="Анна"' in html
    assert 'aria-invalid="true"' in broken.as_p()


def _by_django(form_class, data):
    """The same form validated by Django's own field loop (BoundField per field)."""
    form = form_class(data=data)
    form._clean_fields = lambda: forms.Form._clean_fields(form)
    form.is_valid()
    return form


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Анна", "phone": "+7 916 123-45-67", "consent": "on", "email": "A@Example.com"},
        {"name": " \u202e ", "phone": "12", "consent": "", "email": "not-an-address"},
        {"name": "x" * 201, "phone": "8 (916) 123-45-67", "consent": "false", "gclid": "g"},
        {"phone": "+442079460000", "consent": True, "message": "  hi\x00 ", "utm_source": " A "},
        {},
    ],
)
def test_the_field_loop_cleans_and_refuses_as_djangos_own(data):
    """LeadForm._clean_fields skips Django's BoundFields (issue 9): same data, same errors."""
    for form_class in (LeadForm, WebLeadForm):
        ours, django = form_class(data=data), _by_django(form_class, data)
        assert ours.is_valid() == django.is_valid()
        assert ours.cleaned_data == django.cleaned_data
        assert ours.error_dict() == django.error_dict()
