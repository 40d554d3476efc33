import pytest

from integrations.google.cookies import client_id_from_cookie, is_ga_cookie


@pytest.mark.parametrize(
    ("value", "client_id"),
    [
        ("GA1.1.1234567890.1700000000", "1234567890.1700000000"),
        ("GA1.2.987.1600000000", "987.1600000000"),
        (" GA1.1.1.2 ", "1.2"),
        ("GS1.1.1700000000.1.0.1700000000.0.0.0", ""),
        ("1234567890.1700000000", ""),
        ("GA1.1.abc.def", ""),
        ("", ""),
    ],
)
def test_client_id_is_read_from_the_ga_cookie_only_when_it_has_gtags_shape(value, client_id):
    assert client_id_from_cookie(value) == client_id


@pytest.mark.parametrize("name", ["_ga", "_ga_ABC123XYZ", "_gid", "_gat", "_gat_UA_1_1", "_gcl_au"])
def test_google_analytics_cookies_are_recognised(name):
    assert is_ga_cookie(name)


@pytest.mark.parametrize("name", ["lk_consent", "csrftoken", "sessionid", "_gax", "ga", "_g"])
def test_other_cookies_are_not_mistaken_for_google_analytics(name):
    assert not is_ga_cookie(name)
