import uuid

import pytest

from consent.state import ConsentState, current_digest, decode_state, encode_state

from .factories import changed_register


def test_state_survives_the_cookie_round_trip():
    state = ConsentState(consent_id=uuid.uuid4()).chose({"analytics", "booking"})
    decoded = decode_state(encode_state(state))
    assert decoded == state
    assert decoded.effective == {"analytics", "booking"}
    assert decoded.decided and not decoded.lapsed


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "0123.analytics.abc.-:forged-signature", None],
)
def test_a_missing_or_forged_cookie_is_no_state(value):
    assert decode_state(value) is None


def test_a_tampered_category_list_breaks_the_signature():
    state = ConsentState(consent_id=uuid.uuid4()).chose(set())
    value = encode_state(state)
    raw, signature = value.rsplit(":", 1)
    forged = raw.replace(".-.", ".analytics.", 1) + ":" + signature
    assert decode_state(forged) is None


def test_unknown_categories_in_a_cookie_are_never_effective():
    state = ConsentState(consent_id=uuid.uuid4()).chose({"analytics", "advertising"})
    assert state.effective == {"analytics"}


def test_an_undecided_state_grants_nothing():
    state = ConsentState(consent_id=uuid.uuid4(), granted=frozenset({"analytics"}))
    assert not state.decided
    assert state.effective == frozenset()


def test_a_choice_lapses_when_the_registers_consent_content_changes(settings, tmp_path):
    state = ConsentState(consent_id=uuid.uuid4()).chose({"analytics"})
    before = current_digest()
    settings.REGISTER_PATH = changed_register(tmp_path)
    assert current_digest() != before
    assert state.lapsed
    assert state.effective == frozenset()
