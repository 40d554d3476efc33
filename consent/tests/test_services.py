import uuid

import pytest
from django.utils import translation

from audit.models import AuditEvent
from capture.tests.factories import request_context
from consent.errors import (
    ConsentRecordNotFound,
    NecessaryCannotBeRefused,
    StaleBannerText,
    UnknownCategory,
)
from consent.models import AnalyticsClientId, ConsentRecord, ConsentText, WithdrawalRequest
from consent.services import (
    banner_consent_text,
    observe_ga_client_id,
    record_banner_choice,
    resolve_banner_text,
    truncate_ip,
    validate_choices,
    withdraw_category,
    withdraw_form_consent,
)
from consent.state import ConsentState
from register.selectors import current_policy_version

from .factories import changed_register, lead_under

pytestmark = pytest.mark.django_db


def _choose(state: ConsentState, granted: set[str]):
    return record_banner_choice(
        state=state,
        granted=granted,
        context=request_context(ip="95.31.18.119"),
        method="banner",
        text=banner_consent_text(),
    )


def test_a_first_choice_is_proven_with_everything_an_auditor_asks_for():
    state = ConsentState(consent_id=uuid.uuid4())
    result = _choose(state, {"analytics"})
    record = result.record
    assert record.kind == "banner" and record.action == "grant"
    assert record.categories == {"necessary": True, "analytics": True, "booking": False}
    assert record.consent_id == state.consent_id
    assert record.policy_version == current_policy_version().number
    assert record.text.kind == "banner" and "Accept all" in record.text.text
    assert record.ip_address == "95.31.18.0"
    assert record.user_agent.startswith("Mozilla/5.0")
    assert result.state.effective == {"analytics"}


def test_refusing_everything_is_recorded_as_a_refusal():
    result = _choose(ConsentState(consent_id=uuid.uuid4()), set())
    assert result.record.action == "refuse"
    assert result.state.decided and result.state.effective == frozenset()


def test_later_choices_are_grants_withdrawals_or_changes_of_the_same_consent_id():
    first = _choose(ConsentState(consent_id=uuid.uuid4()), {"analytics"})
    swapped = _choose(first.state, {"booking"})
    more = _choose(swapped.state, {"analytics", "booking"})
    fewer = _choose(more.state, set())
    same = _choose(fewer.state, set())
    assert [swapped.record.action, more.record.action, fewer.record.action] == [
        "change",
        "grant",
        "withdraw",
    ]
    assert same.record.action == "change" and not same.changed
    ids = set(ConsentRecord.objects.values_list("consent_id", flat=True))
    assert ids == {first.state.consent_id}


def test_a_choice_after_a_register_change_is_a_fresh_grant(settings, tmp_path):
    first = _choose(ConsentState(consent_id=uuid.uuid4()), {"analytics"})
    settings.REGISTER_PATH = changed_register(tmp_path)
    again = _choose(first.state, {"analytics"})
    assert again.record.action == "grant"
    assert again.record.policy_version == first.record.policy_version + 1


def test_withdrawing_one_category_keeps_the_others():
    state = _choose(ConsentState(consent_id=uuid.uuid4()), {"analytics", "booking"}).state
    result = withdraw_category(
        state=state, category="analytics", context=request_context(), method="consent page"
    )
    assert result.record.action == "withdraw"
    assert result.state.effective == {"booking"}


@pytest.mark.parametrize(
    ("choices", "error"),
    [
        ({"advertising": True}, UnknownCategory),
        ({"necessary": False}, NecessaryCannotBeRefused),
    ],
)
def test_invalid_choices_name_the_problem(choices, error):
    with pytest.raises(error):
        validate_choices(choices)


def test_valid_choices_become_the_granted_set():
    assert validate_choices({"necessary": True, "analytics": True, "booking": False}) == {
        "analytics"
    }


def test_the_banner_text_is_stored_once_per_language_and_version():
    english = banner_consent_text()
    assert banner_consent_text().pk == english.pk
    with translation.override("ru"):
        russian = banner_consent_text()
    assert russian.pk != english.pk
    assert russian.language == "ru" and "Принять все" in russian.text
    assert ConsentText.objects.filter(kind="banner").count() == 2


def test_the_banner_text_the_visitor_saw_is_the_one_proven():
    with translation.override("ru"):
        russian = banner_consent_text()
    assert resolve_banner_text(digest=russian.digest) == russian
    assert resolve_banner_text(digest=None) == banner_consent_text()


def test_an_unknown_banner_text_is_refused():
    with pytest.raises(StaleBannerText, match="never shown"):
        resolve_banner_text(digest="0" * 64)


def test_a_banner_text_of_an_earlier_policy_is_refused(settings, tmp_path):
    old = banner_consent_text()
    settings.REGISTER_PATH = changed_register(tmp_path)
    with pytest.raises(StaleBannerText, match="policy version 1"):
        resolve_banner_text(digest=old.digest)


def test_form_consent_takes_the_visitors_consent_id():
    consent_id = uuid.uuid4()
    lead = lead_under(consent_id)
    record = ConsentRecord.objects.get(lead=lead)
    assert record.consent_id == consent_id and record.kind == "form"


def test_banner_choices_of_a_known_visitor_are_linked_to_the_subject():
    consent_id = uuid.uuid4()
    lead = lead_under(consent_id)
    record = _choose(ConsentState(consent_id=consent_id), {"analytics"}).record
    assert record.subject_id == lead.subject_id


def test_withdrawing_form_consent_opens_a_request_for_the_rights_desk_and_is_audited():
    consent_id = uuid.uuid4()
    lead = lead_under(consent_id)
    grant = ConsentRecord.objects.get(lead=lead, action="grant")
    request = withdraw_form_consent(
        consent_id=consent_id, record_id=grant.pk, context=request_context(), method="page"
    )
    assert request.state == "open"
    assert request.lead_id == lead.pk and request.subject_id == lead.subject_id
    assert request.record.action == "withdraw" and request.record.kind == "form"
    assert request.record.categories == {"contact_form": False}
    event = AuditEvent.objects.get(action="consent.form.withdrawn")
    assert event.subject_id == lead.subject_id
    again = withdraw_form_consent(
        consent_id=consent_id, record_id=grant.pk, context=request_context(), method="page"
    )
    assert again.pk == request.pk
    assert WithdrawalRequest.objects.count() == 1


def test_nobody_can_withdraw_another_visitors_form_consent():
    lead = lead_under(uuid.uuid4())
    grant = ConsentRecord.objects.get(lead=lead)
    with pytest.raises(ConsentRecordNotFound):
        withdraw_form_consent(
            consent_id=uuid.uuid4(), record_id=grant.pk, context=request_context(), method="x"
        )
    assert not WithdrawalRequest.objects.exists()


def test_a_ga_client_id_is_kept_once_per_consent_id():
    consent_id = uuid.uuid4()
    observe_ga_client_id(consent_id=consent_id, client_id="123.456")
    observe_ga_client_id(consent_id=consent_id, client_id="123.456")
    assert AnalyticsClientId.objects.get().client_id == "123.456"


@pytest.mark.parametrize(
    ("ip", "truncated"),
    [("95.31.18.119", "95.31.18.0"), ("2a02:6b8::1:2", "2a02:6b8::"), ("nonsense", "")],
)
def test_ips_are_truncated_before_storage(ip, truncated):
    assert truncate_ip(ip) == truncated
