"""A lead is attributed to its visit's first and last touch, and keeps that attribution."""

import datetime
import json

import pytest
import time_machine

from analytics.models import Event, LeadAttribution
from analytics.salts import forget_cached_salts
from analytics.services.attribution import attribute_lead, attribute_pending_leads
from analytics.services.collect import Consent, collect_events
from capture.services import capture_lead
from capture.tests.factories import lead_data

from .factories import CHROME_DESKTOP, IPHONE, context

pytestmark = pytest.mark.django_db

IP = "95.31.18.119"
MORNING = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fresh_salts():
    forget_cached_salts()
    yield
    forget_cached_salts()


def visit(client, url: str, referrer: str = "", *, at: datetime.datetime, ua=CHROME_DESKTOP, ip=IP):
    event = {"type": "pageview", "url": url}
    if referrer:
        event["referrer"] = referrer
    with time_machine.travel(at, tick=False):
        response = client.post(
            "/api/v1/collect",
            json.dumps(event),
            content_type="application/json",
            HTTP_USER_AGENT=ua,
            REMOTE_ADDR=ip,
        )
    assert response.status_code == 202


def capture(callbacks, *, at: datetime.datetime, ip=IP, ua=CHROME_DESKTOP, **attribution):
    """Capture a lead, then run the periodic attribution job as it would seconds later."""
    data = lead_data(attribution=attribution or {})
    with time_machine.travel(at, tick=False):
        with callbacks(execute=True):
            lead = capture_lead(
                data=data, context=context(ip=ip, user_agent=ua), channel="web_form"
            )
        assert attribute_pending_leads() == 1
    return lead


def test_a_lead_gets_first_and_last_touch_of_its_browser_that_day(
    client, django_capture_on_commit_callbacks
):
    visit(client, "http://testserver/blog/post/", "https://www.google.com/", at=MORNING)
    visit(
        client,
        "http://testserver/pricing/",
        "http://testserver/blog/post/",
        at=MORNING + datetime.timedelta(minutes=2),
    )
    visit(
        client,
        "http://testserver/?utm_source=Yandex&utm_medium=cpc&utm_campaign=Brand",
        "https://yandex.ru/",
        at=MORNING + datetime.timedelta(hours=3),
    )
    visit(client, "http://testserver/", at=MORNING + datetime.timedelta(hours=5))  # direct
    visit(client, "http://testserver/", "https://vk.com/", at=MORNING, ua=IPHONE)  # someone else

    lead = capture(django_capture_on_commit_callbacks, at=MORNING + datetime.timedelta(hours=6))

    attribution = LeadAttribution.objects.get(lead=lead)
    assert attribution.method == LeadAttribution.Method.VISITOR_KEY
    assert attribution.touches == 3  # the internal page view is not an entry
    assert (
        attribution.first_source_class,
        attribution.first_source,
        attribution.first_medium,
        attribution.first_landing_page,
    ) == ("search", "google", "organic", "/blog/post/")
    # Last touch: the latest non-direct entry, not the direct return visit.
    assert (
        attribution.last_source_class,
        attribution.last_source,
        attribution.last_medium,
        attribution.last_campaign,
        attribution.last_landing_page,
    ) == ("paid", "yandex", "cpc", "brand", "/")
    assert attribution.subject_id == lead.subject_id


def test_visits_after_the_lead_do_not_count(client, django_capture_on_commit_callbacks):
    visit(client, "http://testserver/", "https://www.google.com/", at=MORNING)
    lead = capture(django_capture_on_commit_callbacks, at=MORNING + datetime.timedelta(hours=1))
    visit(
        client,
        "http://testserver/?utm_source=vk&utm_medium=social",
        "https://vk.com/",
        at=MORNING + datetime.timedelta(hours=2),
    )

    # Asking again changes nothing: the lead keeps the attribution it was created with.
    assert attribute_lead(lead_id=lead.pk) is None
    assert attribute_pending_leads() == 0
    attribution = LeadAttribution.objects.get(lead=lead)
    assert (attribution.first_source, attribution.last_source) == ("google", "google")


def test_yesterdays_visit_is_not_linked_without_consent(client, django_capture_on_commit_callbacks):
    visit(client, "http://testserver/?utm_source=google&utm_medium=cpc", at=MORNING)
    lead = capture(django_capture_on_commit_callbacks, at=MORNING + datetime.timedelta(days=1))

    attribution = LeadAttribution.objects.get(lead=lead)
    assert attribution.method == LeadAttribution.Method.NONE
    assert attribution.first_source == "(direct)"


def test_without_a_trace_the_leads_own_fields_attribute_it(django_capture_on_commit_callbacks):
    lead = capture(
        django_capture_on_commit_callbacks,
        at=MORNING,
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="march",
        landing_page="https://kommoexpert.ru/pricing/?utm_source=newsletter",
    )

    attribution = LeadAttribution.objects.get(lead=lead)
    assert attribution.method == LeadAttribution.Method.LEAD_FIELDS
    assert (
        attribution.last_source_class,
        attribution.last_source,
        attribution.last_campaign,
        attribution.last_landing_page,
    ) == ("email", "newsletter", "march", "/pricing/")


def test_a_consented_id_links_visits_across_days(django_capture_on_commit_callbacks):
    cid = "a1b2c3d4e5f6a7b8c9d0"
    day1_event = {
        "type": "pageview",
        "cid": cid,
        "referrer": "https://yandex.ru/",
        "url": "https://kommoexpert.ru/?utm_source=yandex&utm_medium=cpc&utm_campaign=x",
    }
    with time_machine.travel(MORNING, tick=False):
        collect_events(
            events=[day1_event],
            context=context(ip="10.1.1.1"),
            host="kommoexpert.ru",
            consent=Consent(analytics=True),
        )
    day2 = MORNING + datetime.timedelta(days=1)
    with time_machine.travel(day2, tick=False):
        collect_events(
            events=[{"type": "pageview", "cid": cid, "url": "https://kommoexpert.ru/"}],
            context=context(),
            host="kommoexpert.ru",
            consent=Consent(analytics=True),
        )
    lead = capture(django_capture_on_commit_callbacks, at=day2 + datetime.timedelta(minutes=5))

    attribution = LeadAttribution.objects.get(lead=lead)
    assert attribution.method == LeadAttribution.Method.CONSENTED_ID
    assert (attribution.first_source, attribution.first_medium, attribution.first_campaign) == (
        "yandex",
        "cpc",
        "x",
    )
    assert attribution.last_source == "yandex"  # the direct return is not a click
    assert attribution.touches == 2


def test_withdrawn_consent_forgets_the_id(django_capture_on_commit_callbacks):
    cid = "a1b2c3d4e5f6a7b8c9d0"
    event = {"type": "pageview", "cid": cid, "url": "https://kommoexpert.ru/"}
    with time_machine.travel(MORNING, tick=False):
        collect_events(
            events=[event],
            context=context(),
            host="kommoexpert.ru",
            consent=Consent(analytics=True),
        )
        assert Event.objects.exclude(consented_id="").count() == 1
        # The next page after withdrawal still sends the id once; the server forgets it.
        result = collect_events(
            events=[event],
            context=context(),
            host="kommoexpert.ru",
            consent=Consent(analytics=False),
        )
    assert result.accepted == 1
    assert Event.objects.exclude(consented_id="").count() == 0


def test_capturing_a_lead_attributes_nothing_by_itself(django_capture_on_commit_callbacks):
    data = lead_data(attribution={"utm_source": "newsletter"})
    with django_capture_on_commit_callbacks(execute=True):
        lead = capture_lead(data=data, context=context(), channel="web_form")

    assert not LeadAttribution.objects.filter(lead=lead).exists()
    assert attribute_pending_leads() == 1
    assert LeadAttribution.objects.get(lead=lead).last_source == "newsletter"


def test_a_lead_that_fails_to_attribute_does_not_stop_the_batch(monkeypatch):
    import analytics.services.attribution as attribution_module

    with time_machine.travel(MORNING, tick=False):
        first = capture_lead(data=lead_data(), context=context(), channel="web_form")
    with time_machine.travel(MORNING + datetime.timedelta(minutes=1), tick=False):
        second = capture_lead(data=lead_data(), context=context(), channel="web_form")
    real = attribution_module.attribute_lead

    def broken_for_the_second(*, lead_id):
        if lead_id == second.pk:
            raise RuntimeError("attribution store down")
        return real(lead_id=lead_id)

    monkeypatch.setattr(attribution_module, "attribute_lead", broken_for_the_second)
    with time_machine.travel(MORNING + datetime.timedelta(minutes=2), tick=False):
        assert attribute_pending_leads() == 1

    assert LeadAttribution.objects.filter(lead=first).exists()
    assert not LeadAttribution.objects.filter(lead=second).exists()


def test_erased_subjects_leads_are_not_attributed():
    lead = capture_lead(data=lead_data(), context=context(), channel="web_form")
    type(lead.subject).objects.filter(pk=lead.subject_id).update(erased_at=MORNING)

    assert attribute_pending_leads() == 0
    assert not LeadAttribution.objects.filter(lead=lead).exists()
