"""Encrypt the titles stored in clear before 0002 (they may hold the attendee's name).

Reading tolerates clear text, so this can run (and rerun) at any time; batches of 500.
"""

from django.db import migrations

BATCH = 500


def encrypt_titles(apps, schema_editor):
    Booking = apps.get_model("booking", "Booking")
    last = 0
    while True:
        rows = list(
            Booking.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "title")[:BATCH]
        )
        if not rows:
            return
        for pk, title in rows:
            Booking.objects.filter(pk=pk).update(title=title)  # the field encrypts on write
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("booking", "0002_encrypt_title_and_allow_nameless_attendee")]

    operations = [migrations.RunPython(encrypt_titles, migrations.RunPython.noop)]
