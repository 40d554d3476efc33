from django.db import IntegrityError, transaction
from django.db.models import Max

from .loader import get_register, register_digest
from .models import PolicyVersion
from .selectors import consent_digest


def publish_policy_version() -> PolicyVersion:
    """Record the register on disk as the next policy version, unless it already is one."""
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
