# State only: the subject foreign keys now point at subjects.Subject, whose table is still
# capture_subject, so the database already has these columns and constraints.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0003_encrypt_existing_titles'),
        ('subjects', '0002_adopt_capture_subject_content_type'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='booking',
                    name='subject',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)ss', to='subjects.subject'),
                ),
            ],
            database_operations=[],
        ),
    ]
