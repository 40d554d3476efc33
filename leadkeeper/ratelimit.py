"""A per-client fixed-window rate limit shared through the database.

`LEAD_RATE_LIMIT = "10/m"` means at most 10 hits a minute per client address. Counters live
in RateLimitCounter so every web process on every machine sees the same count.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from .crypto import blind_index
from .models import RateLimitCounter

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'10/m', '100/h', '5/10s' -> Rate; a malformed value names itself."""
        try:
            count, _, period = text.strip().partition("/")
            multiple = int(period[:-1]) if len(period) > 1 else 1
            return cls(limit=int(count), seconds=multiple * _UNITS[period[-1]])
        except (ValueError, KeyError, IndexError):
            raise ValueError(
                f"rate limit {text!r} is not of the form N/s, N/m, N/h or N/d"
            ) from None


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def hit(*, scope: str, client: str, rate: Rate) -> bool:
    """Count one hit for this client; False when it is over the limit.

    One atomic upsert (INSERT .. ON CONFLICT DO UPDATE .. RETURNING, on SQLite >= 3.35 and
    PostgreSQL alike), so the hot path pays a single statement and concurrent processes
    never lose a count.
    """
    key = f"{scope}:{blind_index(client)[:32]}"
    start = _window_start(timezone.now(), rate.seconds)
    table = RateLimitCounter._meta.db_table
    sql = (
        f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1 "
        "RETURNING count"
    )
    # Inside a caller's transaction (the lead's) no savepoint: the count is one statement of
    # it; alone, its own transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [key, connection.ops.adapt_datetimefield_value(start)])
        (count,) = cursor.fetchone()
    return count <= rate.limit


def prune_counters(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = RateLimitCounter.objects.filter(
        window_start__lt=timezone.now() - older_than
    ).delete()
    return deleted
