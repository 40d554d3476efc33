import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from integrations.google.auth import READONLY_SCOPE, USER_DELETION_SCOPE, ServiceAccountTokens
from integrations.google.client import GoogleAnalyticsClient
from integrations.google.errors import (
    GoogleCredentialsInvalid,
    GoogleError,
    GoogleRateLimited,
    GoogleRejected,
    GoogleUnauthorized,
    GoogleUnavailable,
)

from .conftest import PROPERTY_ID, NoWait
from .google_contract import UPSERT_PATH

CLIENT_ID = "1234567890.1700000000"


def test_user_deletion_sends_googles_body_and_keeps_the_request_time(google, ga_client):
    pacer = NoWait()
    before = datetime.now(UTC)

    receipt = ga_client.request_user_deletion(CLIENT_ID, pacer=pacer)

    assert before <= receipt.deletion_request_time <= datetime.now(UTC)
    assert receipt.property_id == PROPERTY_ID
    assert pacer.asked == [PROPERTY_ID]
    (call,) = google.calls(UPSERT_PATH)
    assert call.body == {
        "kind": "analytics#userDeletionRequest",
        "id": {"type": "CLIENT_ID", "userId": CLIENT_ID},
        "propertyId": PROPERTY_ID,
    }
    assert call.headers["authorization"].startswith("Bearer ya29.double-")


def test_the_token_is_fetched_once_with_a_signed_assertion_and_then_reused(google, ga_client):
    google.quota[PROPERTY_ID].per_second = 10
    ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())
    ga_client.request_user_deletion("987.1600000000", pacer=NoWait())
    ga_client.data_retention_settings()

    (token_call,) = google.calls("/token")
    assert token_call.status == 200
    assert token_call.body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    (granted,) = [scopes for scopes, _ in google.tokens.values()]
    assert granted == {USER_DELETION_SCOPE, READONLY_SCOPE}


def test_a_token_google_no_longer_accepts_is_refetched_on_the_next_call(google, ga_client):
    google.quota[PROPERTY_ID].per_second = 10
    ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())
    google.expire_tokens()

    with pytest.raises(GoogleUnauthorized, match="401"):
        ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())
    ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())

    assert [c.status for c in google.calls("/token")] == [200, 200]
    assert len(google.deletions) == 2


def test_a_key_the_token_endpoint_cannot_verify_is_unauthorized(google, tmp_path):
    key = json.loads(google.key_file.read_text())
    key["client_email"] = "someone-else@double-project.iam.gserviceaccount.com"
    forged = tmp_path / "other.json"
    forged.write_text(json.dumps(key))
    client = GoogleAnalyticsClient(
        tokens=ServiceAccountTokens(key_file=str(forged)),
        property_id=PROPERTY_ID,
        user_deletion_url=google.upsert_url,
    )

    with pytest.raises(GoogleUnauthorized, match="invalid_grant"):
        client.request_user_deletion(CLIENT_ID, pacer=NoWait())
    assert google.deletions == []


def test_a_missing_key_file_names_the_setting(tmp_path):
    with pytest.raises(GoogleCredentialsInvalid, match="GA_SERVICE_ACCOUNT_FILE"):
        ServiceAccountTokens(key_file=str(tmp_path / "absent.json"))


def test_a_property_the_account_was_not_added_to_is_unauthorized(google, ga_client):
    google.properties.clear()

    with pytest.raises(GoogleUnauthorized, match="403 insufficientPermissions") as caught:
        ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())
    assert CLIENT_ID not in str(caught.value)


def test_403_rate_quota_is_rate_limited_not_unauthorized(google, ga_client):
    # Google's 1.5/s: a second request in the same second is over the quota.
    ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())
    with pytest.raises(GoogleRateLimited) as caught:
        ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())

    assert caught.value.status == 403
    assert caught.value.reason == "rateLimitExceeded"
    assert not caught.value.daily


def test_403_daily_quota_waits_for_googles_next_quota_day(google, ga_client):
    google.quota[PROPERTY_ID].per_day = 0

    with pytest.raises(GoogleRateLimited) as caught:
        ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())

    assert caught.value.daily
    assert caught.value.reason == "dailyLimitExceeded"
    assert 0 < caught.value.retry_after <= 25 * 3600  # midnight Pacific, DST included


def test_429_is_rate_limited_with_retry_after(google, ga_client):
    ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())  # the token first
    google.fail_next.append(429)

    with pytest.raises(GoogleRateLimited) as caught:
        ga_client.data_retention_settings()

    assert caught.value.retry_after == 3.0
    assert caught.value.reason == "RESOURCE_EXHAUSTED"


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_unavailable(google, ga_client, status):
    ga_client.data_retention_settings()  # the token first, so the failure hits the API
    google.fail_next.append(status)

    with pytest.raises(GoogleUnavailable) as caught:
        ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())

    assert caught.value.status == status


def test_a_timeout_is_unavailable(google):
    client = GoogleAnalyticsClient(
        tokens=ServiceAccountTokens(key_file=str(google.key_file)),
        property_id=PROPERTY_ID,
        user_deletion_url=google.upsert_url,
        admin_api_url=google.url,
        timeout=0.1,
    )
    client._tokens.token()
    google.delay = 0.5

    with pytest.raises(GoogleUnavailable, match="ReadTimeout"):
        client.request_user_deletion(CLIENT_ID, pacer=NoWait())


def test_an_unreachable_token_endpoint_is_unavailable(google):
    tokens = ServiceAccountTokens(key_file=str(google.key_file))
    google.stop()

    with pytest.raises(GoogleUnavailable, match="token endpoint"):
        tokens.token()


def test_an_empty_client_id_is_refused_before_any_request(google, ga_client):
    with pytest.raises(GoogleError, match="needs a client id"):
        ga_client.request_user_deletion("", pacer=NoWait())
    assert google.received == []


def test_a_malformed_deletion_body_is_rejected_by_google(google, ga_client, monkeypatch):
    monkeypatch.setattr(
        "integrations.google.client.user_deletion_request",
        lambda **kw: {"id": {"type": "EMAIL", "userId": "x"}, "propertyId": PROPERTY_ID},
    )
    with pytest.raises(GoogleRejected, match="400"):
        ga_client.request_user_deletion(CLIENT_ID, pacer=NoWait())


def test_data_retention_settings_read_the_propertys_periods(google, ga_client):
    google.retention[PROPERTY_ID] = {
        "eventDataRetention": "FOURTEEN_MONTHS",
        "userDataRetention": "TWENTY_SIX_MONTHS",
        "resetUserDataOnNewActivity": False,
    }

    settings = ga_client.data_retention_settings()

    assert settings.name == f"properties/{PROPERTY_ID}/dataRetentionSettings"
    assert (settings.event_months, settings.user_months) == (14, 26)
    assert settings.reset_user_data_on_new_activity is False


def test_an_unknown_retention_value_reads_as_unknown_not_short(google, ga_client):
    google.retention[PROPERTY_ID] = {"eventDataRetention": "RETENTION_DURATION_UNSPECIFIED"}

    assert ga_client.data_retention_settings().event_months is None


def test_from_settings_is_off_until_property_and_key_are_configured(settings, google):
    settings.GA_PROPERTY_ID = ""
    assert GoogleAnalyticsClient.from_settings() is None
    settings.GA_PROPERTY_ID = PROPERTY_ID
    settings.GA_SERVICE_ACCOUNT_FILE = str(google.key_file)
    settings.GA_USER_DELETION_URL = google.upsert_url
    client = GoogleAnalyticsClient.from_settings()
    assert client.request_user_deletion(CLIENT_ID, pacer=NoWait()).property_id == PROPERTY_ID
    client.close()


def test_a_token_is_reused_within_its_hour_and_refetched_near_its_expiry(google, ga_client):
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        ga_client.data_retention_settings()
        clock.shift(timedelta(minutes=50))
        ga_client.data_retention_settings()
        assert len(google.calls("/token")) == 1
        clock.shift(timedelta(minutes=7))  # 3 minutes left: google-auth refreshes early
        ga_client.data_retention_settings()

    assert [c.status for c in google.calls("/token")] == [200, 200]
