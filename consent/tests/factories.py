"""Helpers for consent tests: a changed register, a lead captured under a consent id."""

import uuid
from pathlib import Path

from capture.models import Lead
from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context
from consent.scope import ConsentScope, enter_scope, leave_scope
from register.loader import DEFAULT_PATH

GA_ID = "G-TEST12345"


def changed_register(tmp_path: Path) -> Path:
    """The register with one consent-relevant change (a new analytics cookie)."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    text += (
        '\n[[cookies]]\nname = "_gid"\nprovider = "Google Analytics (Google LLC)"\n'
        'category = "analytics"\npurpose = "Distinguishes visitors for a day."\n'
        'duration = "24 hours"\n'
    )
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    return path


def lead_under(consent_id: uuid.UUID | None = None, **overrides: object) -> Lead:
    """Capture a lead as a web request carrying `consent_id` in its cookie would."""
    scope = ConsentScope(consent_id=consent_id or uuid.uuid4(), from_cookie=True)
    token = enter_scope(scope)
    try:
        return capture_lead(
            data=lead_data(**overrides), context=request_context(), channel=Lead.Channel.WEB_FORM
        )
    finally:
        leave_scope(token)
