"""The consent wording, one place: what the checkbox says is what the proof stores."""

from django.utils.translation import gettext as _


def form_consent_text() -> str:
    return _(
        "I agree to the processing of my personal data (name, phone, email, message, and the "
        "technical data of this request) to answer my consultation request and manage it in "
        "Kommo CRM, as described in the Privacy Policy. I can withdraw this consent at any time."
    )
