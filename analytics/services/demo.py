"""Synthetic visits, events and leads for the demo and for screenshots (never for real data).

Campaign mixes with their own conversion and win rates, weekly and daily seasonality, a
growing trend, several pages per visit, visible time, devices, browsers, countries, bots.
The rows go through the same tables and the same rollups as real traffic.
"""

import datetime
import random
import secrets
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from capture.models import Lead
from leadkeeper.crypto import blind_index

from ..models import BotTally, Event, LeadAttribution
from .rollups import rebuild_day


@dataclass(frozen=True)
class Campaign:
    weight: float
    source_class: str
    source: str
    medium: str
    campaign: str
    referrer: str
    conversion: float  # relative propensity of a visit to become a lead
    win: float  # share of its leads that become won deals


CAMPAIGNS = (
    Campaign(22, "paid", "google", "cpc", "kommo_implementation", "www.google.com", 2.2, 0.22),
    Campaign(10, "paid", "yandex", "cpc", "kommo_brand", "yandex.ru", 2.6, 0.25),
    Campaign(6, "paid", "google", "cpc", "crm_for_sales", "www.google.com", 1.4, 0.15),
    Campaign(5, "paid", "vk", "paid_social", "autumn_webinar", "vk.com", 0.9, 0.10),
    Campaign(18, "search", "google", "organic", "", "www.google.com", 1.0, 0.18),
    Campaign(9, "search", "yandex", "organic", "", "yandex.ru", 1.0, 0.18),
    Campaign(4, "social", "telegram", "social", "", "t.me", 0.7, 0.12),
    Campaign(3, "social", "facebook", "social", "", "l.facebook.com", 0.5, 0.10),
    Campaign(4, "email", "newsletter", "email", "monthly_digest", "", 1.8, 0.30),
    Campaign(3, "referral", "habr.com", "referral", "", "habr.com", 1.2, 0.20),
    Campaign(16, "direct", "(direct)", "(none)", "", "", 1.3, 0.25),
)
LANDINGS = (
    ("/", 50),
    ("/services/kommo-implementation/", 18),
    ("/services/training/", 8),
    ("/blog/kommo-vs-bitrix24/", 12),
    ("/blog/sales-pipeline-setup/", 7),
    ("/pricing/", 5),
)
PAGES = (
    "/",
    "/services/kommo-implementation/",
    "/services/training/",
    "/pricing/",
    "/cases/",
    "/about/",
    "/blog/kommo-vs-bitrix24/",
    "/privacy/",
)
DEVICES = (
    (("desktop", "Chrome", "Windows"), 30),
    (("desktop", "Chrome", "Mac OS X"), 9),
    (("desktop", "Safari", "Mac OS X"), 6),
    (("desktop", "Firefox", "Windows"), 4),
    (("desktop", "Edge", "Windows"), 5),
    (("desktop", "Yandex Browser", "Windows"), 7),
    (("mobile", "Chrome Mobile", "Android"), 17),
    (("mobile", "Mobile Safari", "iOS"), 14),
    (("mobile", "Yandex Browser", "Android"), 4),
    (("tablet", "Mobile Safari", "iOS"), 2),
    (("tablet", "Chrome", "Android"), 2),
)
COUNTRIES = (
    ("RU", 46),
    ("KZ", 10),
    ("BY", 7),
    ("DE", 6),
    ("AE", 5),
    ("UZ", 5),
    ("AM", 4),
    ("GE", 4),
    ("TR", 3),
    ("US", 3),
    ("RS", 3),
    ("CY", 2),
    ("IL", 2),
)
WEEKDAY = (1.15, 1.2, 1.18, 1.12, 1.0, 0.55, 0.5)
HOURS = [
    0.2,
    0.15,
    0.1,
    0.1,
    0.15,
    0.3,
    0.6,
    1.0,
    1.5,
    1.9,
    2.0,
    2.0,
    1.8,
    1.9,
    2.0,
    1.9,
    1.7,
    1.4,
    1.2,
    1.1,
    1.0,
    0.8,
    0.5,
    0.3,
]


def _pick(rng: random.Random, table):
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


@dataclass
class DemoResult:
    visits: int
    events: int
    leads: int
    won: int
    days: int


def _demo_bookings(rng: random.Random, leads: list[Lead], now: datetime.datetime) -> int:
    """Two leads in five book a call within a day or two (when the booking app is there)."""
    if not apps.is_installed("booking"):
        return 0
    try:
        booking = apps.get_model("booking", "Booking")
    except LookupError:
        return 0
    rows = []
    for lead in leads:
        created = lead.created_at + datetime.timedelta(hours=rng.randint(1, 40))
        if rng.random() >= 0.4 or created > now:
            continue
        start = created + datetime.timedelta(days=rng.randint(1, 5))
        rows.append(
            booking(
                uid=f"demo-{lead.pk}",
                status="scheduled",
                title="Consultation",
                start_time=start,
                end_time=start + datetime.timedelta(minutes=30),
                name=lead.name,
                email=f"demo{lead.pk}@example.com",
                email_index=blind_index(f"demo{lead.pk}"),
                lead=lead,
                last_event_at=created,
                created_at=created,
                updated_at=created,
                retention_from=created,
            )
        )
    booking.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def generate_demo_data(
    *, visits: int, leads: int, days: int = 120, seed: int | None = None
) -> DemoResult:
    rng = random.Random(seed)
    now = timezone.now()
    first_day = (now - datetime.timedelta(days=days - 1)).date()
    day_list = [first_day + datetime.timedelta(days=i) for i in range(days)]
    # Weekly seasonality and a gentle growth trend.
    day_weights = [WEEKDAY[d.weekday()] * (0.7 + 0.6 * i / days) for i, d in enumerate(day_list)]
    campaign_weights = [c.weight for c in CAMPAIGNS]
    events: list[Event] = []
    visit_ends: list[tuple[datetime.datetime, Campaign, str, tuple]] = []
    recent_keys: dict[datetime.date, list[tuple[str, tuple, str]]] = {}
    for _ in range(visits):
        day = rng.choices(day_list, weights=day_weights)[0]
        hour = rng.choices(range(24), weights=HOURS)[0]
        ts = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
        ts += datetime.timedelta(seconds=rng.randrange(3600))
        if ts > now:
            ts = now - datetime.timedelta(seconds=rng.randrange(1, 3600))
        campaign = rng.choices(CAMPAIGNS, weights=campaign_weights)[0]
        landing = _pick(rng, LANDINGS)
        device, browser, os_family = _pick(rng, DEVICES)
        country = _pick(rng, COUNTRIES)
        # About one visit in five is a return of a browser seen earlier that day.
        seen = recent_keys.get(day, [])
        if seen and rng.random() < 0.2:
            key, (device, browser, os_family), country = rng.choice(seen)
        else:
            key = secrets.token_hex(16)
            recent_keys.setdefault(day, []).append((key, (device, browser, os_family), country))
        bounce_chance = 0.55 if device == "mobile" else 0.42
        pages = 1 if rng.random() < bounce_chance else 1 + min(int(rng.expovariate(0.6)) + 1, 8)
        path = landing
        query = (
            "&".join(
                f"{k}={v}"
                for k, v in (
                    ("utm_campaign", campaign.campaign),
                    ("utm_medium", campaign.medium),
                    ("utm_source", campaign.source),
                )
                if v
            )
            if campaign.campaign or campaign.source_class == "email"
            else ""
        )
        common = {
            "visitor_key": key,
            "country": country,
            "browser": browser,
            "os": os_family,
            "device_type": device,
        }
        for page_index in range(pages):
            first = page_index == 0
            events.append(
                Event(
                    ts=ts,
                    retention_from=ts,
                    type=Event.PAGEVIEW,
                    path=path,
                    query=query if first else "",
                    referrer_host=campaign.referrer if first else "",
                    source_class=campaign.source_class if first else "internal",
                    source=campaign.source if first else "(internal)",
                    medium=campaign.medium if first else "internal",
                    campaign=campaign.campaign if first else "",
                    **common,
                )
            )
            visible = int(rng.lognormvariate(10.2 if pages > 1 else 9.3, 0.9))
            visible = min(visible, 30 * 60 * 1000)
            ts += datetime.timedelta(milliseconds=visible + rng.randrange(500, 4000))
            if ts > now:
                ts = now
            events.append(
                Event(
                    ts=ts,
                    retention_from=ts,
                    type=Event.ENGAGEMENT,
                    path=path,
                    source_class="",
                    duration_ms=visible,
                    **common,
                )
            )
            path = rng.choice([p for p in PAGES if p != path])
        visit_ends.append((ts, campaign, landing, (device, browser, os_family, country)))

    lead_rows, attributions = [], []
    weights = [c.conversion * (1.6 if p != "/" else 1.0) for _, c, p, _ in visit_ends]
    chosen = rng.choices(range(len(visit_ends)), weights=weights, k=leads) if visit_ends else []
    won = 0
    for n, index in enumerate(chosen):
        ts, campaign, landing, (device, browser, os_family, country) = visit_ends[index]
        won_at = None
        if rng.random() < campaign.win:
            won_at = ts + datetime.timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8))
            if won_at > now:
                won_at = None
        won += won_at is not None
        phone = f"+7999{rng.randrange(10**7):07d}"
        lead_rows.append(
            Lead(
                created_at=ts,
                retention_from=ts,
                channel=Lead.Channel.WEB_FORM,
                name=f"Demo lead {n + 1}",
                phone=phone,
                phone_index=blind_index(phone),
                country=country,
                browser=browser,
                os=os_family,
                device_type=device,
                utm_source=campaign.source if campaign.campaign else "",
                utm_medium=campaign.medium if campaign.campaign else "",
                utm_campaign=campaign.campaign,
                won_at=won_at,
                crm_status="won" if won_at else "new",
            )
        )
        attributions.append((campaign, landing, ts))

    with transaction.atomic():
        Event.objects.bulk_create(events, batch_size=2000)
        created = Lead.objects.bulk_create(lead_rows, batch_size=500)
        LeadAttribution.objects.bulk_create(
            [
                LeadAttribution(
                    lead=lead,
                    retention_from=ts,
                    method=LeadAttribution.Method.VISITOR_KEY,
                    touches=1,
                    first_seen_at=ts,
                    **{
                        f"{side}_{name}": value
                        for side in ("first", "last")
                        for name, value in (
                            ("source_class", campaign.source_class),
                            ("source", campaign.source),
                            ("medium", campaign.medium),
                            ("campaign", campaign.campaign),
                            ("landing_page", landing),
                        )
                    },
                )
                for lead, (campaign, landing, ts) in zip(created, attributions, strict=True)
            ],
            batch_size=500,
        )
        _demo_bookings(rng, created, now)
        for day in day_list:
            bots = int(visits / days * rng.uniform(0.08, 0.2))
            tally, _ = BotTally.objects.get_or_create(day=day)
            BotTally.objects.filter(pk=tally.pk).update(hits=tally.hits + bots)
    for day in day_list:
        rebuild_day(day=day)
    return DemoResult(visits=visits, events=len(events), leads=len(created), won=won, days=days)
