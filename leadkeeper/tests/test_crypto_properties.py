"""Issue 14 item 5: properties of the blind index, for any value and any key list."""

from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from leadkeeper.crypto import blind_index

values = st.text(min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(value=values)
def test_an_index_is_deterministic_hex_and_does_not_contain_the_value(value):
    index = blind_index(value)
    assert index == blind_index(value)
    assert len(index) == 64 and int(index, 16) >= 0
    assert len(value) < 4 or value not in index


@settings(max_examples=200, deadline=None)
@given(a=values, b=values)
def test_different_values_get_different_indexes(a, b):
    assert (blind_index(a) == blind_index(b)) == (a == b)


def test_empty_is_no_index():
    assert blind_index("") == ""


@settings(max_examples=50, deadline=None)
@given(value=values)
def test_the_index_depends_on_the_key_so_another_installation_cannot_match_it(value):
    from django.test import override_settings

    other_key = Fernet.generate_key().decode()
    before = blind_index(value)
    with override_settings(FIELD_ENCRYPTION_KEYS=[other_key]):
        assert blind_index(value) != before
