# Schema: the possible-duplicate mark (issue 15), a nullable column on capture_subject.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('subjects', '0002_adopt_capture_subject_content_type'),
    ]

    operations = [
        migrations.AddField(
            model_name='subject',
            name='possible_duplicate_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='possible_duplicates', to='subjects.subject'),
        ),
    ]
