"""The linter: each finding a lawyer would raise, fed a register broken in that one way."""

import pytest

from register.lint import lint_register, stored_categories
from register.loader import get_register
from register.schema import Register

pytestmark = pytest.mark.django_db(databases=[])


def _broken(kind: str, key: str, **changes: object) -> Register:
    """The real register with one entry changed (unvalidated, as a hand edit could be)."""
    register = get_register()
    entries = [
        entry.model_copy(update=changes)
        if (getattr(entry, "id", None) or entry.name) == key
        else entry
        for entry in getattr(register, kind)
    ]
    return register.model_copy(update={kind: entries})


def _messages(register: Register, stored: dict | None = None) -> list[str]:
    return [str(f) for f in lint_register(register, stored=stored or stored_categories())]


def test_the_register_in_the_repository_has_no_finding():
    assert _messages(get_register()) == []


def test_a_purpose_without_a_legal_basis_is_named():
    (message,) = _messages(_broken("purposes", "statistics", legal_basis=""))
    assert message.startswith("purposes 'statistics': has no legal basis")
    assert "add legal_basis = one of the [[legal_bases]] ids" in message


def test_a_legitimate_interest_without_the_interest_stated_is_named():
    (message,) = _messages(_broken("purposes", "site_quality", interest=" "))
    assert message.startswith("purposes 'site_quality': rests on legitimate interests")
    assert 'add interest = "the interest pursued"' in message


def test_a_consent_based_recipient_that_loads_without_consent_is_named():
    (message,) = _messages(_broken("recipients", "google_analytics", when="always"))
    assert message.startswith(
        "recipients 'google_analytics': loads always but serves purpose 'web_analytics', "
        "which rests on consent to 'analytics'"
    )
    assert 'set when = "analytics"' in message


def test_a_recipient_gated_by_the_wrong_consent_is_named():
    (message,) = _messages(_broken("recipients", "calcom", when="analytics"))
    assert "loads with consent to 'analytics' but serves purpose 'booking'" in message


def test_a_recipient_serving_no_purpose_is_named():
    (message,) = _messages(_broken("recipients", "cloudflare", purposes=[]))
    assert message.startswith("recipients 'cloudflare': serves no declared purpose")


def test_a_category_stored_by_a_model_but_declared_nowhere_is_named():
    stored = stored_categories() | {"health": {"capture.Lead.message"}}
    (message,) = _messages(get_register(), stored)
    assert message.startswith(
        "categories 'health': is stored by capture.Lead.message but declared nowhere"
    )
    assert 'add a [[categories]] entry with id = "health"' in message


def test_a_category_declared_but_stored_nowhere_is_named():
    stored = {k: v for k, v in stored_categories().items() if k != "contract"}
    (message,) = _messages(get_register(), stored)
    assert message.startswith("categories 'contract': is declared but no model stores it")


def test_the_models_annotate_every_category_they_store():
    stored = stored_categories()
    assert "capture.Lead.phone" in stored["phone"]
    assert "capture.Lead.contract_completed_at" in stored["contract"]


def test_a_category_without_a_retention_rule_is_named():
    (message,) = _messages(_broken("categories", "device", retention=""))
    assert message.startswith("categories 'device': has no retention rule")


def test_a_retention_rule_without_a_clock_is_named():
    (message,) = _messages(_broken("retention", "analytics", clock=""))
    assert message.startswith("retention 'analytics': has no clock")
    assert 'add clock = "last_interaction"' in message


def test_a_recipient_outside_the_eea_without_a_safeguard_is_named():
    (message,) = _messages(_broken("recipients", "calcom", safeguard=""))
    assert message.startswith(
        "recipients 'calcom': receives data outside the EEA (United States (EU-U.S. Data "
        "Privacy Framework)) with no Chapter V safeguard named"
    )
    assert "add safeguard =" in message


def test_a_recipient_inside_the_eea_needs_no_safeguard():
    assert _messages(_broken("recipients", "calcom", safeguard="", outside_eea=False)) == []


@pytest.mark.parametrize("field", ["duration", "purpose"])
def test_a_cookie_without_a_duration_or_purpose_is_named(field):
    (message,) = _messages(_broken("cookies", "_ga", **{field: ""}))
    assert message.startswith(f"cookies '_ga': has no {field}")
    assert f"add {field} =" in message
