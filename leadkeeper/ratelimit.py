"""A per-client fixed-window rate limit shared through the database.

`LEAD_RATE_LIMIT = "10/m"` means at most 10 hits a minute per client address. Counters live
in RateLimitCounter so every web process on every machine sees the same count.

Every public POST goes through `allow()` (consent, webhooks, rights requests), its two
halves `pending_hit()` (a lead: the count is one step of the lead's statement) or, on the
collector's hot path, `allow_batched()`. The client is keyed by `client_key()`: an
IPv4 address as it is, an IPv6 address by its /64, because one subscriber gets a whole /64
(RFC 6177) and could otherwise rotate through 2^64 addresses, one counter each.
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from .crypto import blind_index
from .inserts import Statement
from .models import RateLimitCounter

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    @lru_cache(maxsize=64)
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


def client_key(ip: str) -> str:
    """The address a limit counts: IPv6 by its /64, IPv4 exact, no address as 'unknown'."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def allow(*, scope: str, ip: str, rate: str | Rate, cost: int = 1) -> bool:
    """Count `cost` hits for this client's address in `scope`; False once over the limit."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    return hit(scope=scope, client=client_key(ip), rate=rate, cost=cost)


# (scope, client, rate) -> the window in which this process saw the client go over its
# limit. A fixed window's count only grows, so every later hit in it is refused too; this
# process refuses those without a statement, and a flood from one address costs one
# upsert per process per window.
_refused: dict[tuple[str, str, Rate], datetime] = {}
_MAX_REFUSED = 10_000


def hit(*, scope: str, client: str, rate: Rate, cost: int = 1) -> bool:
    """Count one hit for this client; False when it is over the limit."""
    start = _window_start(timezone.now(), rate.seconds)
    if _refused.get((scope, client, rate)) == start:
        return False
    count = _add(scope=scope, client=client, rate=rate, cost=cost, start=start)
    return _within(scope=scope, client=client, rate=rate, count=count, start=start)


def _within(*, scope: str, client: str, rate: Rate, count: int, start: datetime) -> bool:
    if count <= rate.limit:
        return True
    if len(_refused) >= _MAX_REFUSED:
        _refused.clear()
    _refused[(scope, client, rate)] = start
    return False


@dataclass(frozen=True)
class PendingHit:
    """One hit to count with a caller's other statements (the lead path runs it with its
    inserts, leadkeeper.inserts.insert_together); `allowed()` reads the count it returns."""

    scope: str
    client: str
    rate: Rate
    start: datetime
    statement: Statement

    def allowed(self, returned: dict) -> bool:
        return _within(
            scope=self.scope,
            client=self.client,
            rate=self.rate,
            count=returned["count"],
            start=self.start,
        )


def pending_hit(*, scope: str, ip: str, rate: str | Rate) -> PendingHit | None:
    """allow() in two halves: the statement that counts one hit, or None when this process
    already saw the address go over its limit in this window (refused, no statement)."""
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    client = client_key(ip)
    start = _window_start(timezone.now(), rate.seconds)
    if _refused.get((scope, client, rate)) == start:
        return None
    statement = _count_statement(scope=scope, client=client, rate=rate, cost=1, start=start)
    return PendingHit(scope=scope, client=client, rate=rate, start=start, statement=statement)


def _count_statement(
    *, scope: str, client: str, rate: Rate, cost: int, start: datetime
) -> Statement:
    """One atomic upsert (INSERT .. ON CONFLICT DO UPDATE .. RETURNING, on SQLite >= 3.35
    and PostgreSQL alike): a single statement, and concurrent processes never lose a count."""
    key = f"{scope}:{blind_index(client)[:32]}"
    table = RateLimitCounter._meta.db_table
    sql = (
        f"INSERT INTO {table} (key, window_start, count) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + %s "
        "RETURNING count"
    )
    params = [key, connection.ops.adapt_datetimefield_value(start), cost, cost]
    return Statement(sql=sql, params=params, returning=("count",))


def _add(*, scope: str, client: str, rate: Rate, cost: int, start: datetime | None = None) -> int:
    """Add `cost` to this client's counter in the current window; the new count."""
    start = start or _window_start(timezone.now(), rate.seconds)
    statement = _count_statement(scope=scope, client=client, rate=rate, cost=cost, start=start)
    sql, params = statement.sql, statement.params
    if connection.in_atomic_block:
        # Inside a caller's transaction (the lead's) the count is one statement of it, with no
        # savepoint: a failure propagates and the caller's transaction rolls back whole. Failing
        # open here would go on inside a transaction PostgreSQL has already aborted.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            (count,) = cursor.fetchone()
    except DatabaseError:
        # Fail open: a counter we cannot write must not turn a lead or a webhook into a 500;
        # the view reports its own storage failure if it has one.
        logger.warning("ratelimit.unavailable", extra={"scope": scope})
        return 0
    return count


@dataclass
class _Tally:
    window: int
    pending: int = 0  # counted here, not yet added to the shared counter
    shared: int = 0  # the shared counter as of this process's last flush


_tallies: dict[tuple[str, str], _Tally] = {}
_MAX_TALLIES = 50_000


def allow_batched(*, scope: str, ip: str, rate: str | Rate, cost: int, flush_every: int) -> bool:
    """`allow()` for the collector: count in this process, add to the shared counter once
    every `flush_every` hits, or as soon as this process's view crosses the limit.

    A visitor's ordinary page views cost no query; a flood costs one upsert per
    `flush_every` events. The limit can be overshot by at most `flush_every` per web
    process, which is the price of not writing on every beacon.
    """
    rate = Rate.parse(rate) if isinstance(rate, str) else rate
    now = int(timezone.now().timestamp())
    window = now - now % rate.seconds
    key = (scope, client_key(ip))
    tally = _tallies.get(key)
    if tally is None or tally.window != window:
        if len(_tallies) >= _MAX_TALLIES:
            _tallies.clear()  # a new window or a swarm of addresses: start afresh
        tally = _tallies[key] = _Tally(window=window)
    if tally.shared > rate.limit:
        return False
    tally.pending += cost
    if tally.pending >= flush_every or tally.shared + tally.pending > rate.limit:
        pending, tally.pending = tally.pending, 0
        tally.shared = _add(scope=scope, client=key[1], rate=rate, cost=pending)
    return tally.shared + tally.pending <= rate.limit


def prune_counters(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _ = RateLimitCounter.objects.filter(
        window_start__lt=timezone.now() - older_than
    ).delete()
    return deleted
