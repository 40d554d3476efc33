# Data: the content type of the moved model follows it, so the permissions the roles hold
# (view_subject, change_subject) and admin log entries keep pointing at the same rows.

from django.db import migrations


def adopt(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="subjects", model="subject").exists():
        ContentType.objects.filter(app_label="capture", model="subject").update(
            app_label="subjects"
        )


def give_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="capture", model="subject").exists():
        ContentType.objects.filter(app_label="subjects", model="subject").update(
            app_label="capture"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("subjects", "0001_initial"),
    ]

    operations = [migrations.RunPython(adopt, give_back)]
