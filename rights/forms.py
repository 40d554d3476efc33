"""The /rights/ form: what the page shows; validation itself is services.intake's."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

RIGHT_CHOICES = [
    ("access", _("Access: a copy of your data and how we use it (Art. 15)")),
    ("rectification", _("Rectification: correct your data (Art. 16)")),
    ("erasure", _("Erasure: delete your data (Art. 17)")),
    ("restriction", _("Restriction: keep your data but stop using it (Art. 18)")),
    ("portability", _("Portability: your data in a machine-readable file (Art. 20)")),
    ("objection", _("Objection: stop analytics based on our legitimate interests (Art. 21)")),
    ("withdrawal", _("Withdraw your consent (Art. 7(3))")),
    ("complaint", _("Complaint: how to reach the supervisory authority (Art. 77)")),
]


class RightsRequestForm(forms.Form):
    right = forms.ChoiceField(
        label=_("What would you like to do?"), choices=RIGHT_CHOICES, widget=forms.RadioSelect
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (if you gave us no email)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    details = forms.CharField(
        label=_("Details (for a correction: what is wrong and the right value)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DeskRequestForm(RightsRequestForm):
    """The DPO's form adds the language to answer in (a letter's or a call's, Art. 12(1))."""

    language = forms.ChoiceField(
        label=_("Answer in"), choices=lambda: settings.LANGUAGES, initial="en", required=False
    )
