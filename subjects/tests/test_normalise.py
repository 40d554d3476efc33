"""Properties of phone and email normalisation: equal identifiers, equal blind indexes."""

import re

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from subjects.normalise import normalise_email, normalise_phone

# No deadline: the test machine is shared, so a slow example is load, not a bug.
PROPERTY = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)
EXAMPLES = [
    (region, number)
    for region in REGIONS
    for kind in TYPES
    if (number := phonenumbers.example_number_for_type(region, kind)) is not None
]
FORMATS = (
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
)


@st.composite
def written_phones(draw: st.DrawFn) -> tuple[str, str, str]:
    """(region, how a person might write a valid number, its E.164 form)."""
    region, number = draw(st.sampled_from(EXAMPLES))
    text = phonenumbers.format_number(number, draw(st.sampled_from(FORMATS)))
    separators = st.sampled_from(["", " ", "-", "."])
    text = "".join(c + (draw(separators) if c.isdigit() else "") for c in text).strip(" -.")
    padding = draw(st.sampled_from(["", " ", "  "]))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return region, f"{padding}{text}{padding}", e164


@PROPERTY
@given(written_phones())
def test_any_way_of_writing_a_valid_phone_gives_its_e164_form(case):
    region, text, e164 = case
    assert normalise_phone(text, region) == e164


@PROPERTY
@given(written_phones(), st.sampled_from(REGIONS))
def test_an_e164_phone_is_a_fixpoint_in_every_region(case, other_region):
    _region, _text, e164 = case
    assert normalise_phone(e164, other_region) == e164


@PROPERTY
@given(st.text(max_size=40), st.sampled_from(["RU", "DE", "US", "GB"]))
def test_any_text_is_a_valid_e164_phone_or_a_clear_validation_error(text, region):
    try:
        result = normalise_phone(text, region)
    except ValidationError as error:
        assert error.code == "invalid_phone"
        return
    assert E164.match(result)
    assert phonenumbers.is_valid_number(phonenumbers.parse(result))


def _valid_email(value: str) -> str:
    try:
        return normalise_email(value)
    except ValidationError:
        assume(False)
        raise


@PROPERTY
@given(st.emails())
def test_a_normalised_email_is_a_lowercase_fixpoint(email):
    normal = _valid_email(email)
    assert normal == normal.lower() == normal.strip()
    assert normalise_email(normal) == normal


@PROPERTY
@given(st.emails(), st.sampled_from(["", " ", "\t", "  \n"]), st.booleans())
def test_case_and_surrounding_space_do_not_change_an_email(email, space, upper):
    normal = _valid_email(email)
    variant = email.upper() if upper else email.swapcase()
    assert normalise_email(f"{space}{variant}{space}") == normal


@PROPERTY
@given(st.text(alphabet=" \t\n", max_size=5))
def test_a_blank_email_is_empty_not_an_error(blank):
    assert normalise_email(blank) == ""


@PROPERTY
@given(st.text(max_size=60).filter(lambda t: "@" not in t and t.strip()))
def test_text_without_an_at_sign_is_not_an_email(text):
    with pytest.raises(ValidationError):
        normalise_email(text)
