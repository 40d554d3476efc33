"""Writes of the register app: publishing the policy version of the register on disk."""

from django.db import IntegrityError, connections, transaction
from django.db.models import Max

from .errors import PolicyNotPublished
from .loader import consent_digest, get_register, register_digest
from .models import PolicyVersion
from .selectors import current_policy_version


def publish_policy_version() -> PolicyVersion:
    """Record the register on disk as the next policy version, unless it already is one.

    Idempotent: it returns the version already published for this register. Runs after
    every migrate (register/apps.py), from `manage.py register publish`, and from each write
    that cites the version (a consent record proves which text was agreed to, Art. 7(1)).
    """
    try:
        return current_policy_version()
    except PolicyNotPublished:
        pass
    digest = register_digest()
    register = get_register()
    for _ in range(3):  # two processes may publish at once; the unique digest settles it
        existing = PolicyVersion.objects.filter(digest=digest).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                latest = PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0
                return PolicyVersion.objects.create(
                    number=latest + 1,
                    digest=digest,
                    consent_digest=consent_digest(register),
                    content=register.model_dump(mode="json"),
                )
        except IntegrityError:
            continue
    return PolicyVersion.objects.get(digest=digest)


def publish_after_migrate(*, using: str, **kwargs: object) -> None:
    """post_migrate receiver: a deploy that changes register.toml publishes its version.

    Skipped on a database other than the default one and when the table is gone (a
    `migrate register zero`).
    """
    if using != "default":
        return
    if PolicyVersion._meta.db_table not in connections[using].introspection.table_names():
        return
    publish_policy_version()
