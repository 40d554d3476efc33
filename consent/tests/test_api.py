import pytest
from django.test import Client

from capture.tests.factories import CHROME_DESKTOP
from consent.models import ConsentRecord, ConsentText
from consent.state import COOKIE_NAME, decode_state

from .factories import changed_register

pytestmark = pytest.mark.django_db

URL = "/api/v1/consent"


def _post(client: Client, body: dict, **extra: str):
    extra.setdefault("HTTP_USER_AGENT", CHROME_DESKTOP)
    extra.setdefault("REMOTE_ADDR", "95.31.18.119")
    return client.post(URL, body, content_type="application/json", **extra)


def test_a_choice_is_recorded_and_remembered_in_a_strictly_necessary_cookie(client):
    response = _post(client, {"categories": {"analytics": True, "booking": False}})
    assert response.status_code == 200
    body = response.json()
    assert body["action"] == "grant" and body["granted"] == ["analytics"]
    record = ConsentRecord.objects.get(pk=body["record_id"])
    assert str(record.consent_id) == body["consent_id"]
    assert record.ip_address == "95.31.18.0" and record.user_agent == CHROME_DESKTOP
    assert record.text.digest == body["text_version"]
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    state = decode_state(cookie.value)
    assert str(state.consent_id) == body["consent_id"] and state.effective == {"analytics"}


def test_the_state_with_its_consent_id_is_never_kept_by_a_shared_cache(client):
    consent_id = _post(client, {"categories": {"analytics": True}}).json()["consent_id"]
    response = client.get(URL)
    assert response.json()["consent_id"] == consent_id
    assert response["Cache-Control"] == "no-store"
    assert "Cookie" in response["Vary"]


def test_later_choices_keep_the_consent_id(client):
    first = _post(client, {"categories": {"analytics": True, "booking": True}}).json()
    second = _post(client, {"categories": {"analytics": False, "booking": True}}).json()
    assert second["consent_id"] == first["consent_id"]
    assert second["action"] == "withdraw" and second["granted"] == ["booking"]


def test_the_current_state_is_readable(client):
    assert client.get(URL).json()["decided"] is False
    _post(client, {"categories": {"booking": True}})
    state = client.get(URL).json()
    assert state["decided"] is True and state["granted"] == ["booking"]
    assert [c["id"] for c in state["categories"]] == ["analytics", "booking"]


def test_the_banner_text_shown_in_russian_is_the_one_proven(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    digest = ConsentText.objects.get(kind="banner", language="ru").digest
    assert digest.encode() in page.content
    body = _post(client, {"categories": {"analytics": False}, "text_version": digest}).json()
    assert ConsentRecord.objects.get(pk=body["record_id"]).text.language == "ru"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"categories": {"advertising": True}}, "categories"),
        ({"categories": {"necessary": False}}, "categories"),
        ({"categories": {"analytics": "yes"}}, "categories.analytics"),
        ({}, "categories"),
        ({"categories": {}, "extra": 1}, "extra"),
    ],
)
def test_bad_choices_are_refused_with_the_field_named_and_nothing_stored(client, body, field):
    response = _post(client, body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not ConsentRecord.objects.exists()
    assert COOKIE_NAME not in response.cookies


def test_a_choice_on_an_outdated_banner_asks_for_a_reload(client, settings, tmp_path):
    client.get("/")
    old = ConsentText.objects.get(kind="banner").digest
    settings.REGISTER_PATH = changed_register(tmp_path)
    response = _post(client, {"categories": {"analytics": True}, "text_version": old})
    assert response.status_code == 409 and "reload" in response.json()["detail"]
    assert not ConsentRecord.objects.exists()


def test_another_site_cannot_record_a_choice_for_the_visitor(client):
    response = _post(client, {"categories": {"analytics": True}}, HTTP_ORIGIN="https://evil.test")
    assert response.status_code == 403
    assert not ConsentRecord.objects.exists()


def test_a_same_site_origin_is_accepted(client):
    response = _post(client, {"categories": {"analytics": True}}, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 200


@pytest.mark.usefixtures("one_rate_window")
def test_a_flood_of_choices_is_limited(client):
    codes = [_post(client, {"categories": {}}).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    assert ConsentRecord.objects.count() == 30


def test_refusing_analytics_expires_google_analytics_cookies(client):
    client.cookies["_ga"] = "GA1.1.111.222"
    client.cookies["_ga_ABC123"] = "GS1.1.1"
    response = _post(client, {"categories": {"analytics": False}})
    assert response.cookies["_ga"]["max-age"] == 0
    assert response.cookies["_ga_ABC123"]["max-age"] == 0


def test_the_endpoint_is_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/consent"])
