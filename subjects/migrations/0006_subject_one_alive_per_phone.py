from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0005_mark_alive_subjects_sharing_a_phone"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="subject",
            constraint=models.UniqueConstraint(
                condition=models.Q(("erased_at__isnull", True), ("phone_index__gt", "")),
                fields=("phone_index",),
                name="subject_one_alive_per_phone",
            ),
        ),
    ]
