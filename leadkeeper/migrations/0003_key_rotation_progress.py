from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leadkeeper", "0002_staff_groups")]

    operations = [
        migrations.CreateModel(
            name="KeyRotationProgress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("target", models.CharField(max_length=16)),
                ("model", models.CharField(max_length=100)),
                ("last_pk", models.BigIntegerField(default=0)),
                ("rows_done", models.PositiveBigIntegerField(default=0)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("target", "model"), name="keyrotation_target_model"
                    )
                ]
            },
        ),
    ]
