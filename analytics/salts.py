"""Daily salts: random secrets that live one UTC day, then are destroyed.

The visitor key of a day is a keyed hash under that day's salt; once the salt row is
deleted (destroy_old_salts, scheduled), nobody, us included, can recompute it, so visits
of different days cannot be linked (as Plausible does; unlike a salt derived from
SECRET_KEY, which anyone holding the key could regenerate).

Each process caches today's salt: one database read per process per day.
"""

import datetime
import logging
import secrets
import threading
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Salt

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[datetime.date, bytes] = {}
# Called whenever a salt leaves this process's memory, so whatever was computed under it
# (the visitor-key cache) goes too.
_forget_hooks: list[Callable[[], None]] = []


def on_forget(hook: Callable[[], None]) -> None:
    _forget_hooks.append(hook)


def _forgotten() -> None:
    for hook in _forget_hooks:
        hook()


def today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def salt_for(day: datetime.date) -> bytes:
    """The salt of `day` (created on first use), from the process cache when possible.

    Only today's salt can be asked for: an older day's salt is gone by design, and a future
    day's salt must not exist before its day.
    """
    cached = _cache.get(day)
    if cached is not None:
        return cached
    if day != today():
        raise LookupError(f"the salt of {day} is not available (only today's, {today()}, is)")
    with _lock:
        value = _load_or_create(day)
        # Forget every other day's salt held in memory, not only in the database.
        if _cache:
            _cache.clear()
            _forgotten()
        _cache[day] = value
    return value


def _load_or_create(day: datetime.date) -> bytes:
    found = Salt.objects.filter(day=day).values_list("value", flat=True).first()
    if found is not None:
        return bytes(found)
    try:
        with transaction.atomic():
            Salt.objects.create(day=day, value=secrets.token_bytes(32))
    except IntegrityError:
        pass  # another process created it first; read theirs
    return bytes(Salt.objects.values_list("value", flat=True).get(day=day))


def destroy_old_salts() -> int:
    """Delete every salt older than today (from the database and this process's cache)."""
    current = today()
    deleted, _ = Salt.objects.filter(day__lt=current).delete()
    with _lock:
        stale = [d for d in _cache if d != current]
        for day in stale:
            del _cache[day]
        if stale:
            _forgotten()
    if deleted:
        logger.info("analytics.salts.destroyed", extra={"count": deleted})
    return deleted


def forget_cached_salts() -> None:
    """For tests: the next salt_for() reads the database."""
    with _lock:
        _cache.clear()
        _forgotten()
