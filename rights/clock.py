"""The one-month clock of a rights request (GDPR Art. 12(3), policy §7).

Art. 12(3) allows one calendar month; the policy promises 30 days. The due date is the
earlier of the two, so both hold. One extension by up to two further months is allowed
where a request is complex, with the reasons given inside the first month.
"""

import calendar
from datetime import datetime, timedelta

from django.utils import timezone

POLICY_DAYS = 30
SOON_DAYS = 7
MAX_EXTENSION_MONTHS = 2


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later; the 31st becomes the month's last day (31 Jan -> 28 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_date(*, received_at: datetime) -> datetime:
    return min(add_months(received_at, 1), received_at + timedelta(days=POLICY_DAYS))


def extended_due_date(*, due_at: datetime, months: int) -> datetime:
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 1 or 2 months (Art. 12(3)), not {months}")
    return add_months(due_at, months)


def days_left(*, due_at: datetime, now: datetime | None = None) -> int:
    """Whole days until the due date; negative once it has passed."""
    delta = due_at - (now or timezone.now())
    return delta.days


def is_due_soon(*, due_at: datetime, now: datetime | None = None) -> bool:
    return days_left(due_at=due_at, now=now) < SOON_DAYS
