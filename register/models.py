from django.db import models


class PolicyVersion(models.Model):
    """Every published version of the privacy policy, as the register said it then.

    A new row appears whenever the register's content changes; `/privacy/v/<number>/`
    renders any of them from its own snapshot, so what a visitor agreed to stays readable.
    """

    number = models.PositiveIntegerField(unique=True)
    digest = models.CharField(max_length=64, unique=True)
    consent_digest = models.CharField(max_length=64, db_index=True)
    content = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"policy v{self.number} ({self.published_at:%Y-%m-%d})"
