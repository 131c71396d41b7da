from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("restore", "0003_routes_ngas_outputs"),
    ]

    operations = [
        migrations.AddField(
            model_name="restorerequest",
            name="restore_parameters",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="parameters of the restore tasks set by the request: {task: {parameter: value}}",
            ),
        ),
    ]
