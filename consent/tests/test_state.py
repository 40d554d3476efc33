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


# --- Issue 15 item 7: a copied cookie does not stay valid for ever ----------------------------


def test_a_cookie_lapses_when_the_registers_lifetime_has_run_since_the_choice():
    from datetime import UTC, datetime

    import time_machine

    from consent.state import cookie_max_age

    assert cookie_max_age().days == 365  # register.toml: lk_consent lasts "12 months"
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False) as clock:
        value = encode_state(ConsentState(consent_id=uuid.uuid4()).chose({"analytics"}))
        clock.shift(364 * 86400)
        assert decode_state(value).effective == {"analytics"}
        clock.shift(2 * 86400)
        assert decode_state(value) is None


def test_rewriting_the_cookie_keeps_the_time_of_the_choice():
    from dataclasses import replace
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False) as clock:
        value = encode_state(ConsentState(consent_id=uuid.uuid4()).chose({"analytics"}))
        clock.shift(300 * 86400)
        # The middleware re-writes the cookie when it sees a new GA client id.
        rewritten = encode_state(replace(decode_state(value), ga_seen="abcd1234"))
        clock.shift(66 * 86400)
        assert decode_state(rewritten) is None


def test_an_untimestamped_cookie_of_the_old_format_is_no_state():
    from django.core import signing

    old = signing.Signer(salt="consent.state.v1").sign(f"{uuid.uuid4().hex}.analytics.abc.-")
    assert decode_state(old) is None
