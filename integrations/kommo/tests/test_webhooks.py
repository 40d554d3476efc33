"""Parsing Kommo's urlencoded webhooks: nesting, bulk bodies, times, ids, the contract field."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from integrations.kommo.payloads import CustomFieldValue, KommoLead
from integrations.kommo.webhooks import (
    KommoChange,
    form_items,
    parse_time,
    parse_webhook,
)

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ACCOUNT = {"account[id]": "31000000", "account[subdomain]": "KommoExpert"}


def _status(i: int, kommo_id: int, status_id: int) -> dict[str, str]:
    return {
        f"leads[status][{i}][id]": str(kommo_id),
        f"leads[status][{i}][status_id]": str(status_id),
        f"leads[status][{i}][last_modified]": str(int(T0.timestamp())),
    }


def test_a_stage_change_is_read_with_its_account_time_and_ids():
    hook = parse_webhook(form_items(urlencode({**ACCOUNT, **_status(0, 900001, 142)}).encode()))

    assert (hook.account_id, hook.subdomain) == (31000000, "kommoexpert")
    assert hook.changes == (
        KommoChange(
            entity="leads", action="status", kommo_id=900001, status_id=142, occurred_at=T0
        ),
    )


def test_a_bulk_change_past_a_thousand_fields_is_read_whole():
    data = dict(ACCOUNT)
    for i in range(400):
        data.update(_status(i, 700000 + i, 142))  # 1,202 fields

    hook = parse_webhook(form_items(urlencode(data).encode()))

    assert len(hook.changes) == 400
    assert {c.kommo_id for c in hook.changes} == set(range(700000, 700400))


def test_notes_and_contact_edits_name_their_entity():
    data = {
        "leads[note][0][note][element_id]": "900001",
        "leads[note][0][note][date_create]": str(int(T0.timestamp())),
        "contacts[update][0][id]": "800001",
        "contacts[update][0][last_modified]": str(int(T0.timestamp())),
        "leads[delete][0][id]": "5",
    }

    changes = parse_webhook(data.items()).changes

    assert [(c.entity, c.action, c.kommo_id, c.occurred_at) for c in changes] == [
        ("leads", "note", 900001, T0),
        ("contacts", "update", 800001, T0),
    ]


def test_the_contract_field_is_found_by_name_or_by_configured_id():
    completed = datetime(2027, 3, 31, tzinfo=UTC)
    data = {
        "leads[update][0][id]": "900001",
        "leads[update][0][custom_fields][0][id]": "555",
        "leads[update][0][custom_fields][0][name]": "Contract completed",
        "leads[update][0][custom_fields][0][values][0][value]": "31.03.2027",
    }

    assert parse_webhook(data.items()).changes[0].contract_completed_at == completed
    by_id = parse_webhook(data.items(), contract_field_id=556).changes[0]
    assert by_id.contract_completed_at is None


def test_out_of_range_numbers_are_no_time_and_no_id():
    assert parse_time("9" * 20) is None
    assert parse_time("9" * 14) is None
    assert parse_webhook({"leads[status][0][id]": "9" * 23}.items()).changes == ()


def test_a_polled_lead_and_its_webhook_twin_have_the_same_digest():
    lead = KommoLead(
        id=900001,
        name="",
        status_id=142,
        pipeline_id=7000,
        created_at=None,
        updated_at=int(T0.timestamp()),
        closed_at=int(T0.timestamp()),
        custom_fields=(CustomFieldValue(555, "", "Contract completed", (1806451200,)),),
    )
    polled = KommoChange.from_lead(lead)
    reread = KommoChange.from_lead(lead, action="update")

    assert polled.digest() == reread.digest()
    assert polled.closed_at == T0 and polled.contract_completed_at is not None
