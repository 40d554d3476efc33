"""The Kommo client against httpx.MockTransport: shapes sent, answers read, errors typed."""

import json

import httpx
import pytest

from integrations.kommo.client import KommoClient
from integrations.kommo.errors import (
    KommoRateLimited,
    KommoRejected,
    KommoUnauthorized,
    KommoUnavailable,
    retry_after_seconds,
)
from integrations.kommo.payloads import ContactIn, FormMetadata, LeadIn

LEAD = LeadIn(
    request_id="42",
    name="Website request #42",
    contact=ContactIn(name="Ivan", phone="+79161234567", email="ivan@example.com"),
    tags=("lk-42", "website"),
    tracking=(("UTM_SOURCE", "google"),),
    pipeline_id=11,
    status_id=22,
    created_at=1700000000,
)


def _client(handler) -> KommoClient:
    return KommoClient(
        base_url="https://example.kommo.com/",
        access_token="tkn",
        transport=httpx.MockTransport(handler),
    )


def test_create_leads_complex_sends_documented_shape_and_reads_ids():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        seen["auth"] = request.headers["Authorization"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(
            200,
            json=[
                {
                    "id": 9774766,
                    "contact_id": 12117258,
                    "company_id": None,
                    "request_id": ["42"],
                    "merged": False,
                }
            ],
        )

    created = _client(handler).create_leads_complex([LEAD])

    assert seen["url"] == "https://example.kommo.com/api/v4/leads/complex"
    assert seen["auth"] == "Bearer tkn"
    assert seen["body"] == [
        {
            "name": "Website request #42",
            "custom_fields_values": [{"field_code": "UTM_SOURCE", "values": [{"value": "google"}]}],
            "_embedded": {
                "tags": [{"name": "lk-42"}, {"name": "website"}],
                "contacts": [
                    {
                        "name": "Ivan",
                        "custom_fields_values": [
                            {
                                "field_code": "PHONE",
                                "values": [{"value": "+79161234567", "enum_code": "WORK"}],
                            },
                            {
                                "field_code": "EMAIL",
                                "values": [{"value": "ivan@example.com", "enum_code": "WORK"}],
                            },
                        ],
                    }
                ],
            },
            "request_id": "42",
            "pipeline_id": 11,
            "status_id": 22,
            "created_at": 1700000000,
        }
    ]
    assert [(c.request_id, c.lead_id, c.contact_id) for c in created] == [("42", 9774766, 12117258)]


def test_an_existing_contact_is_linked_by_id():
    lead = LeadIn(request_id="1", name="x", contact=ContactIn(kommo_id=555))
    assert lead.to_complex()["_embedded"]["contacts"] == [{"id": 555}]


def test_unsorted_forms_carry_form_metadata():
    seen = {}

    def handler(request):
        seen["body"] = json.loads(request.content)
        return httpx.Response(
            200,
            json={
                "_total_items": 1,
                "_embedded": {
                    "unsorted": [
                        {
                            "uid": "u1",
                            "request_id": "42",
                            "_embedded": {"leads": [{"id": 7}], "contacts": [{"id": 8}]},
                        }
                    ]
                },
            },
        )

    meta = FormMetadata(
        form_id="f",
        form_name="Form",
        form_page="https://x/",
        form_sent_at=1700000000,
        referer="https://google.com/",
    )
    created = _client(handler).create_unsorted_forms(
        [(LEAD, meta)], source_uid="src", source_name="Website"
    )

    (item,) = seen["body"]
    assert item["metadata"] == {
        "form_id": "f",
        "form_name": "Form",
        "form_page": "https://x/",
        "form_sent_at": 1700000000,
        "referer": "https://google.com/",
    }
    assert item["source_uid"] == "src" and item["_embedded"]["leads"][0]["_embedded"]["tags"][
        0
    ] == {"name": "lk-42"}
    assert [(c.request_id, c.lead_id, c.contact_id) for c in created] == [("42", 7, 8)]


def test_no_more_than_fifty_leads_a_request():
    with pytest.raises(ValueError, match="at most 50"):
        _client(lambda r: httpx.Response(200, json=[])).create_leads_complex([LEAD] * 51)


def test_an_empty_list_answer_is_204():
    client = _client(lambda r: httpx.Response(204))
    assert client.search_leads("lk-1") == []
    assert client.find_contacts("+79161234567") == []
    assert client.leads_created_since(0).leads == ()


@pytest.mark.parametrize(
    ("status", "headers", "kind"),
    [
        (401, {}, KommoUnauthorized),
        (403, {}, KommoUnauthorized),
        (429, {"Retry-After": "3"}, KommoRateLimited),
        (500, {}, KommoUnavailable),
        (502, {}, KommoUnavailable),
        (504, {}, KommoUnavailable),
    ],
)
def test_errors_are_typed_by_status(status, headers, kind):
    client = _client(
        lambda r: httpx.Response(status, headers=headers, json={"title": "t", "status": status})
    )
    with pytest.raises(kind) as caught:
        client.create_leads_complex([LEAD])
    assert caught.value.status == status
    if kind is KommoRateLimited:
        assert caught.value.retry_after == 3.0


def test_validation_errors_name_the_item_and_the_field():
    body = {
        "title": "Bad Request",
        "type": "https://httpstatus.es/400",
        "status": 400,
        "detail": "Request validation failed",
        "validation-errors": [
            {
                "request_id": "42",
                "errors": [
                    {
                        "code": "NotSupportedChoice",
                        "path": "custom_fields_values.0.field_id",
                        "detail": "The value you selected is not a valid choice.",
                    }
                ],
            }
        ],
    }
    client = _client(
        lambda r: httpx.Response(
            400, json=body, headers={"Content-Type": "application/problem+json"}
        )
    )
    with pytest.raises(KommoRejected) as caught:
        client.create_leads_complex([LEAD])
    problems = caught.value.problems_by_request_id()
    assert list(problems) == ["42"]
    assert "custom_fields_values.0.field_id" in str(caught.value)


def test_timeouts_may_have_reached_kommo_refused_connections_did_not():
    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(KommoUnavailable) as slow:
        _client(timeout).create_leads_complex([LEAD])
    assert slow.value.maybe_processed is True
    with pytest.raises(KommoUnavailable) as down:
        _client(refused).create_leads_complex([LEAD])
    assert down.value.maybe_processed is False


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_a_retry_after_beyond_reason_is_capped_or_ignored():
    assert retry_after_seconds("1e12") == 3600.0  # would overflow the clock of the block
    assert retry_after_seconds("inf") is None
    assert retry_after_seconds("nan") is None
    assert retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT") == 3600.0


def test_leads_list_reads_tags_contacts_and_paging():
    def handler(request):
        assert request.url.params["filter[created_at][from]"] == "100"
        return httpx.Response(
            200,
            json={
                "_page": 1,
                "_links": {"next": {"href": "x"}},
                "_embedded": {
                    "leads": [
                        {
                            "id": 1,
                            "name": "n",
                            "status_id": 142,
                            "created_at": 100,
                            "updated_at": 120,
                            "_embedded": {
                                "tags": [{"id": 3, "name": "lk-9"}],
                                "contacts": [{"id": 77}],
                            },
                        }
                    ]
                    * 250
                },
            },
        )

    page = _client(handler).leads_created_since(100)
    assert page.has_next and page.leads[0].tags == ("lk-9",) and page.leads[0].contact_ids == (77,)


def test_contacts_are_read_with_their_phones():
    body = {
        "_embedded": {
            "contacts": [
                {
                    "id": 5,
                    "updated_at": 1700000000,
                    "custom_fields_values": [
                        {"field_code": "PHONE", "values": [{"value": "8 (916) 123-45-67"}]},
                        {"field_code": "EMAIL", "values": [{"value": "ivan@example.com"}]},
                    ],
                }
            ]
        }
    }
    (contact,) = _client(lambda r: httpx.Response(200, json=body)).find_contacts("+79161234567")

    assert (contact.id, contact.phones, contact.updated_at) == (
        5,
        ("8 (916) 123-45-67",),
        1700000000,
    )


def test_one_lead_and_the_account_are_read_by_id():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v4/account":
            return httpx.Response(200, json={"id": 31000000, "subdomain": "KommoExpert"})
        if request.url.path == "/api/v4/leads/7":
            return httpx.Response(200, json={"id": 7, "status_id": 142, "updated_at": 1})
        return httpx.Response(204)

    client = _client(answer)
    account = client.account()
    assert (account.id, account.subdomain) == (31000000, "kommoexpert")
    assert client.get_lead(7).status_id == 142
    assert client.get_lead(8) is None and client.get_contact(9) is None
