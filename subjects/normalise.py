"""Phone and email in one canonical form, so equal identifiers give equal blind indexes."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _


def normalise_phone(raw: str, region: str) -> str:
    """E.164 ('+79161234567') or ValidationError with a message a person can act on."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Enter a phone number, e.g. +7 916 123-45-67."), code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This phone number is not valid. Check the digits and the country code."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Trimmed and lower-cased, or "" for blank; ValidationError for a malformed address."""
    value = raw.strip()
    if not value:
        return ""
    EmailValidator(message=_("Enter a valid email address, e.g. name@example.com."))(value)
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}".lower()
