"""Writes about the person: the one subject look-up, the one §5 clock, and the DPO's merges."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import record_event
from leadkeeper.crypto import blind_index, blind_indexes, index_secrets
from leadkeeper.inserts import Statement

from .errors import SubjectsNotMergeable
from .models import Subject

logger = logging.getLogger(__name__)


def _alive() -> QuerySet[Subject]:
    return Subject.objects.filter(erased_at__isnull=True).order_by("pk")


def subject_for(*, phone: str, email: str) -> Subject:
    """The subject a normalised phone (E.164) and email belong to, created when new.

    A person is one subject only through an identifier they control (issue 15): anyone can
    type someone else's email into a form, so an email match alone must not show one person
    another's history (Art. 5(1)(f)). The phone joins: it is required on leads and it is what
    sales call. Without a phone (a Cal.com booking) the email joins only a subject known by
    nothing but that email, which reveals nothing the email does not already find. A subject
    created while another already has the email is marked `possible_duplicate_of` it, for
    the DPO to merge or keep apart. Does not move the §5 clock: see record_interaction().
    """
    phone_index, email_index = blind_index(phone), blind_index(email)
    # Matched under every index key: a subject `rotate_keys` has not reached yet is found.
    if phone_index:
        subject = _alive().filter(phone_index__in=blind_indexes(phone)).first()
    elif email_index:
        subject = _alive().filter(phone_index="", email_index__in=blind_indexes(email)).first()
    else:
        subject = None
    if subject is None:
        return _new_subject(phone_index=phone_index, email_index=email_index, email=email)
    if email_index and not subject.email_index:
        subject.email_index = email_index
        subject.save(update_fields=["email_index"])
    return subject


def subject_for_lead(*, phone: str, email: str, at: datetime) -> Subject:
    """subject_for() and record_interaction() for a lead with a phone, in one statement.

    The same rules (issue 15): the phone joins an alive subject, filling its email index if
    it had none; a new subject is marked `possible_duplicate_of` the first alive subject
    with the email. The §5 clock moves to `at`, never backwards. One INSERT .. ON CONFLICT
    on the one-alive-subject-per-phone index (PostgreSQL, SQLite >= 3.35), so the lead path
    pays one statement where it paid three (issue 9). The returned subject has only its id
    and duplicate mark loaded; other fields load when read.
    """
    statement = subject_upsert(
        phone_index=blind_index(phone), email_index=blind_index(email), at=at
    )
    if statement is None:
        subject = subject_for(phone=phone, email=email)
        record_interaction(subject=subject, at=at, source="lead")
        return subject
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        returned = dict(zip(statement.returning, cursor.fetchone(), strict=True))
    return upserted_subject(returned)


def subject_upsert(*, phone_index: str, email_index: str, at: datetime) -> Statement | None:
    """subject_for_lead()'s statement, for a caller that runs it with others (the lead path,
    leadkeeper.inserts.insert_together); `upserted_subject()` reads what it returns. It takes
    the phone's and email's blind indexes (under the current key), which the lead has too.

    None while index keys rotate (more than one secret): the phone may still be stored
    under an old key the ON CONFLICT would not see, and only subject_for()'s look-ups,
    which match every key, find it.
    """
    if not phone_index or len(index_secrets()) > 1:
        return None
    at = min(at, timezone.now())
    table = Subject._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(at)
    sql = (
        f"INSERT INTO {table} (phone_index, email_index, created_at, last_interaction_at, "  # noqa: S608
        "possible_duplicate_of_id) VALUES (%s, %s, %s, %s, "
        f"(SELECT id FROM {table} WHERE %s <> '' AND email_index = %s AND erased_at IS NULL "
        "ORDER BY id LIMIT 1)) "
        "ON CONFLICT (phone_index) WHERE erased_at IS NULL AND phone_index > '' DO UPDATE SET "
        f"email_index = CASE WHEN {table}.email_index = '' THEN excluded.email_index "
        f"ELSE {table}.email_index END, "
        f"last_interaction_at = CASE WHEN {table}.last_interaction_at < excluded.last_interaction_at "
        f"THEN excluded.last_interaction_at ELSE {table}.last_interaction_at END "
        "RETURNING id, possible_duplicate_of_id, created_at = %s AS created"
    )
    return Statement(
        sql=sql,
        params=[phone_index, email_index, stamp, stamp, email_index, email_index, stamp],
        returning=("id", "possible_duplicate_of_id", "created"),
    )


def upserted_subject(returned: dict) -> Subject:
    """The subject subject_upsert() returned (id and duplicate mark loaded); a new subject
    marked as a possible duplicate is logged for the DPO's list."""
    subject_id, duplicate_of = returned["id"], returned["possible_duplicate_of_id"]
    if returned["created"] and duplicate_of is not None:
        logger.info(
            "subjects.possible_duplicate",
            extra={"subject_id": subject_id, "possible_duplicate_of": duplicate_of},
        )
    return Subject.from_db(
        connection.alias, ["id", "possible_duplicate_of_id"], [subject_id, duplicate_of]
    )


def _new_subject(*, phone_index: str, email_index: str, email: str = "") -> Subject:
    emails = blind_indexes(email) if email else [email_index]
    same_email = _alive().filter(email_index__in=emails).first() if email_index else None
    now = timezone.now()
    subject = Subject.objects.create(
        phone_index=phone_index,
        email_index=email_index,
        created_at=now,
        last_interaction_at=now,
        possible_duplicate_of=same_email,
    )
    if same_email is not None:
        logger.info(
            "subjects.possible_duplicate",
            extra={"subject_id": subject.pk, "possible_duplicate_of": same_email.pk},
        )
    return subject


def record_interaction(*, subject: Subject, at: datetime, source: str) -> bool:
    """Restart the subject's contact-data clock (policy §5: 3 years from last interaction).

    Never moves it backwards: a late or replayed event older than the clock changes
    nothing, and a time in the future (a vendor's skewed clock) counts as now. True when
    the clock moved.
    """
    at = min(at, timezone.now())
    moved = bool(
        Subject.objects.filter(pk=subject.pk, last_interaction_at__lt=at).update(
            last_interaction_at=at
        )
    )
    if moved:
        subject.last_interaction_at = at
        logger.debug(
            "subjects.interaction.recorded", extra={"subject_id": subject.pk, "source": source}
        )
    return moved


@dataclass(frozen=True)
class Merged:
    keep_id: int
    merged_id: int
    moved: dict[str, int] = field(default_factory=dict)  # "app.model.field" -> rows


def _move_rows(*, keep: Subject, merge: Subject) -> dict[str, int]:
    """Point every row that refers to `merge` at `keep`.

    Found generically from the foreign keys to Subject (every PersonalRecord subclass, the
    consent withdrawals, the possible-duplicate marks), so a new table is never left behind
    to be deleted by the cascade.
    """
    moved = {}
    for relation in Subject._meta.related_objects:
        if relation.many_to_many:
            continue
        model, name = relation.related_model, relation.field.name
        count = model._base_manager.filter(**{name: merge}).update(**{name: keep})
        if count:
            moved[f"{model._meta.label_lower}.{name}"] = count
    return moved


@transaction.atomic
def merge_subjects(*, keep: Subject, merge: Subject, actor: str) -> Merged:
    """The DPO found two subjects to be one person: `merge`'s data moves to `keep`, then goes.

    Kept: `keep`'s identifiers, filled from `merge`'s where `keep` has none (the leads keep
    their own, so a look-up by either phone still finds them), the later §5 clock, the
    earlier creation, and an Art. 18 restriction if either had one. Audited with both ids,
    since older audit events name the merged subject's id.
    """
    keep = Subject.objects.select_for_update().get(pk=keep.pk)
    merge = Subject.objects.select_for_update().get(pk=merge.pk)
    if keep.pk == merge.pk:
        raise SubjectsNotMergeable(f"subject {keep.pk} cannot be merged into itself")
    if keep.erased_at or merge.erased_at:
        erased = keep.pk if keep.erased_at else merge.pk
        raise SubjectsNotMergeable(
            f"subject {erased} is erased; merge {merge.pk} into {keep.pk} refused"
        )
    moved = _move_rows(keep=keep, merge=merge)
    keep.refresh_from_db(fields=["possible_duplicate_of"])
    if keep.possible_duplicate_of_id == keep.pk:
        keep.possible_duplicate_of = None
    keep.phone_index = keep.phone_index or merge.phone_index
    keep.email_index = keep.email_index or merge.email_index
    keep.created_at = min(keep.created_at, merge.created_at)
    restricted = [t for t in (keep.restricted_at, merge.restricted_at) if t]
    keep.restricted_at = min(restricted) if restricted else None
    merged_id = merge.pk
    # Gone before `keep` takes its phone: one alive subject per phone is a unique index.
    merge.delete()
    keep.save(
        update_fields=[
            "possible_duplicate_of",
            "phone_index",
            "email_index",
            "created_at",
            "restricted_at",
        ]
    )
    record_interaction(subject=keep, at=merge.last_interaction_at, source="subjects merge")
    record_event(
        actor=actor,
        action="subject.merged",
        subject_id=keep.pk,
        obj=keep,
        reason="DPO: two subjects are one person (Art. 5(1)(d) accuracy, issue 15)",
        data={"merged_subject": merged_id, "moved": moved},
    )
    logger.info("subjects.merged", extra={"subject_id": keep.pk, "merged_subject": merged_id})
    return Merged(keep_id=keep.pk, merged_id=merged_id, moved=moved)


@transaction.atomic
def keep_subjects_apart(*, subject: Subject, actor: str) -> bool:
    """The DPO found a possible duplicate to be another person: clear the mark (audited).

    False, and nothing written, when the subject carries no mark.
    """
    subject = Subject.objects.select_for_update().get(pk=subject.pk)
    other = subject.possible_duplicate_of_id
    if other is None:
        return False
    subject.possible_duplicate_of = None
    subject.save(update_fields=["possible_duplicate_of"])
    record_event(
        actor=actor,
        action="subject.kept_apart",
        subject_id=subject.pk,
        obj=subject,
        reason="DPO: a shared email does not make two subjects one person (issue 15)",
        data={"possible_duplicate_of": other},
    )
    return True
