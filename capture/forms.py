"""The contact form's validation, shared by the HTML form and the JSON API."""

import re

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from subjects.normalise import normalise_email, normalise_phone

from .attribution import CLICK_ID_FIELDS, UTM_FIELDS

# Control characters, and the bidi overrides/isolates that make a name read backwards on
# a staff page or in Kommo (right-to-left text itself needs none of them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_FILL_SALT = "capture.form-rendered-at"


class _Shared:
    """A field every form of the class shares instead of deep-copying.

    Django deep-copies a form's fields and their widgets for every form it builds, so that a
    view may change one form's fields without touching the class. Nothing here does (no
    per-request choices, labels or widgets), and the copy of fifteen fields was 5 % of a
    lead's time on the API (issue 9).
    """

    def __deepcopy__(self, memo: dict) -> "_Shared":
        return self


class _CharField(_Shared, forms.CharField):
    pass


class _BooleanField(_Shared, forms.BooleanField):
    pass


class LeadForm(forms.Form):
    name = _CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Tell us your name so we know how to address you.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = _CharField(
        label=_("Phone"),
        max_length=40,
        error_messages={"required": _("Enter a phone number so we can call you back.")},
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "placeholder": "+7 916 123-45-67"}
        ),
    )
    email = _CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "email", "autocomplete": "email", "placeholder": "name@company.com"}
        ),
    )
    message = _CharField(
        label=_("What would you like to discuss?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = _BooleanField(
        required=True,
        error_messages={
            "required": _("Please agree to the processing of your data so we can reply.")
        },
    )
    # Attribution: filled from the landing URL by capture.js; normalised in attribution.py.
    utm_source = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    utm_medium = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    utm_campaign = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    utm_term = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    utm_content = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    gclid = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    yclid = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    fbclid = _CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    referrer = _CharField(required=False, max_length=4000, widget=forms.HiddenInput)
    landing_page = _CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    ATTRIBUTION_FIELDS = (*UTM_FIELDS, *CLICK_ID_FIELDS, "referrer", "landing_page")

    def _clean_fields(self) -> None:
        """Django's own loop (forms.Form._clean_fields) without a BoundField per field.

        A lead is validated on every submission and its form is rendered only when it
        fails; fifteen BoundFields were two thirds of the validation's time (issue 9). No
        field here is disabled or a file, so a field's data is its widget's value, read as
        BoundField.data reads it. capture/tests/test_forms.py holds it to Django's loop.
        """
        for name, field in self.fields.items():
            value = self._widget_data_value(field.widget, self.add_prefix(name))
            try:
                self.cleaned_data[name] = field.clean(value)
                clean_field = getattr(self, f"clean_{name}", None)
                if clean_field is not None:
                    self.cleaned_data[name] = clean_field()
            except forms.ValidationError as error:
                self.add_error(name, error)

    def clean_name(self) -> str:
        name = " ".join(_CONTROL.sub("", self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(self.fields["name"].error_messages["required"])
        return name

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"], settings.DEFAULT_PHONE_REGION)

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data.get("email", ""))

    def clean_message(self) -> str:
        return _CONTROL.sub("", self.cleaned_data.get("message", "")).strip()

    def error_dict(self) -> dict[str, list[str]]:
        return {field: [str(m) for m in messages] for field, messages in self.errors.items()}


def sign_render_time() -> str:
    return signing.dumps(timezone.now().timestamp(), salt=_FILL_SALT)


class WebLeadForm(LeadForm):
    """The HTML form adds two quiet bot traps: a honeypot field and a minimum fill time."""

    website = _CharField(required=False, label=_("Leave this field empty"))
    rendered_at = _CharField(required=False, widget=forms.HiddenInput)

    def looks_automated(self) -> bool:
        """True for a filled honeypot, a missing/forged render stamp or a too-fast submit."""
        if self.data.get("website"):
            return True
        try:
            rendered = signing.loads(
                self.data.get("rendered_at", ""), salt=_FILL_SALT, max_age=86400
            )
        except signing.BadSignature:
            return True
        elapsed = timezone.now().timestamp() - float(rendered)
        return elapsed < settings.LEAD_MIN_FILL_SECONDS
