# State only: Subject now lives in the subjects app; its table capture_subject stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0003_subject_fk_to_subjects_app'),
        ('booking', '0004_subject_fk_to_subjects_app'),
        ('capture', '0002_subject_fk_to_subjects_app'),
        ('consent', '0003_subject_fk_to_subjects_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Subject',
                ),
            ],
            database_operations=[],
        ),
    ]
