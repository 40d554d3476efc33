"""Before one alive subject per phone becomes a unique index (issue 9): settle old doubles.

The old look-up (SELECT, then INSERT) could create two subjects for one phone when two
leads raced. The oldest keeps the phone; each later one is marked a possible duplicate of
it for the DPO to merge (issue 15's mark) and gives up its phone index, so it is not
matched by phone until merged. Its leads keep their own phone index, so nothing is lost.
Idempotent: a rerun finds no doubles.
"""

from django.db import migrations
from django.db.models import Count


def mark_doubles(apps, schema_editor):
    Subject = apps.get_model("subjects", "Subject")
    alive = Subject.objects.filter(erased_at__isnull=True).exclude(phone_index="")
    shared = (
        alive.values("phone_index").annotate(n=Count("id")).filter(n__gt=1).values_list(
            "phone_index", flat=True
        )
    )
    for phone_index in list(shared):
        first, *later = alive.filter(phone_index=phone_index).order_by("id")
        Subject.objects.filter(pk__in=[s.pk for s in later]).update(
            phone_index="", possible_duplicate_of=first
        )


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0004_subject_objected_at"),
    ]

    operations = [migrations.RunPython(mark_doubles, migrations.RunPython.noop)]
