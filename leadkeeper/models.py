"""Operational tables shared by every app: the scheduler's lease and rate-limit counters."""

from django.db import models


class SchedulerLease(models.Model):
    """One row per lease name; whoever holds an unexpired lease may schedule periodic jobs."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=128)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class RateLimitCounter(models.Model):
    """Fixed-window counters shared by every web process (so the limit holds on N machines).

    The key is a scope plus a keyed hash of the client address: no IP is stored here.
    """

    key = models.CharField(max_length=128)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%H:%M:%S}: {self.count}"
