"""The person (policy §2: whose data we hold) and the base of every table holding their data."""

from django.db import models
from django.utils import timezone


class Subject(models.Model):
    """A person who gave us data; a returning person (same phone) is the same subject.

    Holds no identifier in clear: look-ups go through keyed blind indexes. Every personal
    record points here, so access, erasure and restriction start from one row.
    """

    # Indexed in Meta: plain indexes, without the LIKE index db_index adds on PostgreSQL
    # (a blind index is only ever matched whole; issue 9).
    phone_index = models.CharField(max_length=64, blank=True)
    email_index = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The contact-data clock (policy §5: 3 years from last interaction); moved only by
    # subjects.services.record_interaction, which never moves it backwards.
    last_interaction_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Art. 18: while set, the subject's data is stored but not otherwise processed.
    restricted_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Art. 21: objected to processing under legitimate interests (first-party analytics
    # linked to the person, campaign attribution); while set, that processing skips them.
    objected_at = models.DateTimeField(null=True, blank=True)
    # Issue 15: created while another subject had the same email. An email anyone can type
    # does not join two people; the DPO merges them or keeps them apart (subjects.services).
    possible_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="possible_duplicates"
    )

    class Meta:
        # The table was created by the capture app; the model moved, the table did not.
        db_table = "capture_subject"
        constraints = [
            # One alive subject per phone: what subject_for() always meant, now a rule the
            # lead path's single-statement upsert can rely on (ON CONFLICT, issue 9).
            models.UniqueConstraint(
                fields=["phone_index"],
                condition=models.Q(erased_at__isnull=True) & models.Q(phone_index__gt=""),
                name="subject_one_alive_per_phone",
            )
        ]
        indexes = [
            models.Index(fields=["phone_index"], name="subject_phone_index_idx"),
            models.Index(fields=["email_index"], name="subject_email_index_idx"),
        ]

    def __str__(self) -> str:
        return f"subject {self.pk}"


class PersonalRecord(models.Model):
    """Base of every table that holds personal data.

    Each subclass names, for each personal field, the register category it stores
    (`register_fields`), and the retention rule its `retention_from` clock serves
    (`retention_rule`). A system check (subjects/checks.py) refuses a category or rule the
    register does not declare.
    """

    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="%(app_label)s_%(class)ss",
    )
    retention_from = models.DateTimeField(default=timezone.now, db_index=True)

    register_fields: dict[str, str] = {}
    retention_rule: str = ""

    class Meta:
        abstract = True
