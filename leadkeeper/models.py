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


class KeyRotationProgress(models.Model):
    """How far `rotate_keys` got in one model towards one key set: a rerun resumes here.

    `target` fingerprints the newest keys (never the keys), so adding another key starts
    a new run while a crashed run with the same keys continues from `last_pk`.
    """

    target = models.CharField(max_length=16)
    model = models.CharField(max_length=100)  # "capture.lead"
    last_pk = models.BigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "model"], name="keyrotation_target_model")
        ]

    def __str__(self) -> str:
        state = "done" if self.finished_at else f"at pk {self.last_pk}"
        return f"rotation {self.target} of {self.model}: {state}"
