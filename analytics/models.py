"""First-party analytics: raw events, daily salts, daily rollups and lead attribution.

Policy §2 (pages viewed, visit duration, UTM tags and referral source, approximate
geolocation, device and browser), §3 (campaign analysis, site quality, statistics), §5
(analytics kept 14 months). No IP is ever stored here: the visitor key is a keyed hash
under a salt that is destroyed the next day (analytics/salts.py).
"""

from django.db import models
from django.utils import timezone

from capture.models import Lead
from subjects.models import PersonalRecord


class Salt(models.Model):
    """The secret of one UTC day. Random bytes, never derived from another secret; deleted
    once the day is over, so a visitor key of an earlier day cannot be recomputed."""

    day = models.DateField(unique=True)
    value = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class Event(PersonalRecord):
    """One page view or one report of visible time, as the collector accepted it.

    Pseudonymous (the visitor key links a day's events of one browser), so it is a
    personal record under the "analytics" retention rule, kept 14 months, then pruned;
    the daily rollups keep the aggregates.
    """

    PAGEVIEW = 1
    ENGAGEMENT = 2
    TYPES = ((PAGEVIEW, "pageview"), (ENGAGEMENT, "engagement"))

    register_fields = {
        "visitor_key": "interaction",
        "consented_id": "cookies",
        "path": "interaction",
        "query": "attribution",
        "duration_ms": "interaction",
        "referrer_host": "attribution",
        "source": "attribution",
        "medium": "attribution",
        "campaign": "attribution",
        "utm_term": "attribution",
        "utm_content": "attribution",
        "country": "network",
        "browser": "device",
        "os": "device",
        "device_type": "device",
    }
    retention_rule = "analytics"

    ts = models.DateTimeField()
    type = models.PositiveSmallIntegerField(choices=TYPES)
    visitor_key = models.CharField(max_length=32)
    # Only with analytics consent: a keyed hash of a random first-party id (analytics/visitor.py).
    consented_id = models.CharField(max_length=64, blank=True, default="")
    path = models.CharField(max_length=500)
    query = models.CharField(max_length=500, blank=True, default="")  # UTM + click ids only
    referrer_host = models.CharField(max_length=255, blank=True, default="")
    source_class = models.CharField(max_length=16)
    source = models.CharField(max_length=200, blank=True, default="")
    medium = models.CharField(max_length=200, blank=True, default="")
    campaign = models.CharField(max_length=200, blank=True, default="")
    utm_term = models.CharField(max_length=200, blank=True, default="")
    utm_content = models.CharField(max_length=200, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    browser = models.CharField(max_length=64, blank=True, default="")
    os = models.CharField(max_length=64, blank=True, default="")
    device_type = models.CharField(max_length=16, blank=True, default="")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ts"], name="analytics_event_ts"),
            models.Index(fields=["visitor_key", "ts"], name="analytics_event_visitor"),
            models.Index(
                fields=["consented_id", "ts"],
                name="analytics_event_consented",
                condition=~models.Q(consented_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"event {self.pk}"


class BotTally(models.Model):
    """Events dropped because a crawler sent them, per day (counted, never stored)."""

    day = models.DateField(unique=True)
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.hits} bot hits on {self.day}"


# --- Daily rollups: aggregates only, rebuilt per day from raw events (analytics/rollups.py) ---


class RollupDay(models.Model):
    """Which days have been rolled up, and whether their raw events are gone (then the
    rollup is final: rebuilding it from nothing would erase the aggregates)."""

    day = models.DateField(unique=True)
    built_at = models.DateTimeField()
    raw_pruned = models.BooleanField(default=False)

    class Meta:
        permissions = [("view_reports", "Can view marketing reports (aggregates only)")]

    def __str__(self) -> str:
        return f"rollup of {self.day}"


class _Traffic(models.Model):
    visits = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    pageviews = models.PositiveIntegerField(default=0)
    bounces = models.PositiveIntegerField(default=0)
    visible_ms = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DailySummary(_Traffic):
    day = models.DateField(unique=True)

    def __str__(self) -> str:
        return f"summary of {self.day}"


SOURCE_GROUPING = "source"
LANDING_GROUPING = "landing"
GROUPINGS = (
    (SOURCE_GROUPING, "by source / medium / campaign"),
    (LANDING_GROUPING, "by landing page"),
)


class DailyTraffic(_Traffic):
    """Visits by their entry. Two groupings, each row in one: by source class, source,
    medium and campaign (landing_page ""), or by landing page (source fields ""). Keeping
    them apart keeps a 14-month report to a few tens of thousands of rows (a cross product
    of campaigns and pages would be ten times that)."""

    day = models.DateField()
    grouping = models.CharField(max_length=8, choices=GROUPINGS, default=SOURCE_GROUPING)
    source_class = models.CharField(max_length=16)
    source = models.CharField(max_length=200)
    medium = models.CharField(max_length=200)
    campaign = models.CharField(max_length=200)
    landing_page = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["grouping", "day"], name="analytics_traffic_day")]

    def __str__(self) -> str:
        return f"traffic {self.day} {self.source}/{self.medium}"


class DailyPage(models.Model):
    day = models.DateField()
    path = models.CharField(max_length=500)
    pageviews = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    bounces = models.PositiveIntegerField(default=0)
    visible_ms = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="analytics_page_day")]

    def __str__(self) -> str:
        return f"page {self.day} {self.path}"


class DailyDimension(_Traffic):
    """Visits by one device property: device type, browser, operating system or country."""

    DIMENSIONS = ("device", "browser", "os", "country")

    day = models.DateField()
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["dimension", "day"], name="analytics_dimension_day")]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value} on {self.day}"


class DailyConversions(models.Model):
    """Leads, booked calls and won deals of a day, credited to a campaign by one model.

    A lead counts on the day it was created, a booked call on the day it was booked, a won
    deal on the day it was won; each is credited to the lead's attribution.
    """

    FIRST_TOUCH = "first"
    LAST_TOUCH = "last"
    MODELS = (FIRST_TOUCH, LAST_TOUCH)

    day = models.DateField()
    model = models.CharField(max_length=5)
    grouping = models.CharField(max_length=8, choices=GROUPINGS, default=SOURCE_GROUPING)
    source_class = models.CharField(max_length=16)
    source = models.CharField(max_length=200)
    medium = models.CharField(max_length=200)
    campaign = models.CharField(max_length=200)
    landing_page = models.CharField(max_length=500)
    leads = models.PositiveIntegerField(default=0)
    booked_calls = models.PositiveIntegerField(default=0)
    won_deals = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["model", "grouping", "day"], name="analytics_conversions_day")
        ]

    def __str__(self) -> str:
        return f"conversions {self.day} {self.model} {self.source}/{self.medium}"


class LeadAttribution(PersonalRecord):
    """The campaign a lead came from, fixed when the lead was created (it is not recomputed
    when later visits happen). First touch: the earliest entry into the site we can link to
    the lead; last touch: the latest non-direct entry before the lead (or the latest entry)."""

    class Method(models.TextChoices):
        VISITOR_KEY = "visitor_key", "same browser, same day (cookieless)"
        CONSENTED_ID = "consented_id", "first-party id with analytics consent"
        LEAD_FIELDS = "lead_fields", "the lead's own UTM / referrer fields"
        NONE = "none", "no trace: direct"

    register_fields = {
        "first_source": "attribution",
        "first_medium": "attribution",
        "first_campaign": "attribution",
        "first_landing_page": "attribution",
        "last_source": "attribution",
        "last_medium": "attribution",
        "last_campaign": "attribution",
        "last_landing_page": "attribution",
    }
    retention_rule = "contact"

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="attribution")
    method = models.CharField(max_length=16, choices=Method.choices)
    touches = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    first_source_class = models.CharField(max_length=16)
    first_source = models.CharField(max_length=200)
    first_medium = models.CharField(max_length=200)
    first_campaign = models.CharField(max_length=200, blank=True)
    first_landing_page = models.CharField(max_length=500, blank=True)
    last_source_class = models.CharField(max_length=16)
    last_source = models.CharField(max_length=200)
    last_medium = models.CharField(max_length=200)
    last_campaign = models.CharField(max_length=200, blank=True)
    last_landing_page = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"attribution of lead {self.lead_id}"
