"""Events written before the sealer existed carry hashes in the old format: seal them anew.

Rerunnable: it only clears seals and resets the head, and the sealer chains every
unsealed event, oldest first, on its next run.
"""

from django.db import migrations


def unseal(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    AuditEvent.objects.update(seq=None, prev_hash="", hash="")
    AuditHead.objects.update_or_create(id=1, defaults={"last_hash": "0" * 64, "count": 0})


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_sealed_chain")]
    operations = [migrations.RunPython(unseal, migrations.RunPython.noop)]
