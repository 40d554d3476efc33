# The Subject model moves here from capture; its table (capture_subject) stays where it is,
# so existing databases keep their rows and this migration changes only Django's state.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("capture", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Subject",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("phone_index", models.CharField(blank=True, db_index=True, max_length=64)),
                        ("email_index", models.CharField(blank=True, db_index=True, max_length=64)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_interaction_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("restricted_at", models.DateTimeField(blank=True, null=True)),
                        ("erased_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={"db_table": "capture_subject"},
                ),
            ],
            database_operations=[],
        ),
    ]
