# State only: the subject foreign keys now point at subjects.Subject, whose table is still
# capture_subject, so the database already has these columns and constraints.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0002_rollups_by_grouping'),
        ('subjects', '0002_adopt_capture_subject_content_type'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='subject',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)ss', to='subjects.subject'),
                ),
                migrations.AlterField(
                    model_name='leadattribution',
                    name='subject',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)ss', to='subjects.subject'),
                ),
            ],
            database_operations=[],
        ),
    ]
