"""Matching a Kommo contact's phone, as typed in Kommo, against a lead's E.164 number."""

import pytest

from crm.delivery.contacts import same_phone


@pytest.mark.parametrize(
    ("typed", "same"),
    [
        ("+79161234567", True),
        ("8 (916) 123-45-67", True),
        ("+7 916 123-45-67", True),
        ("+791612345670", False),  # a longer number that contains ours
        ("+79161234568", False),
        ("ivan@example.com", False),
        ("", False),
    ],
)
def test_a_phone_matches_only_the_same_number(typed, same):
    assert same_phone(typed, "+79161234567") is same
