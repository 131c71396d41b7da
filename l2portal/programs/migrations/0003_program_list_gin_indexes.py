"""GIN indexes for the program list's instrument and spectral-line filters (JSONB containment).
PostgreSQL only: other databases filter those lists by text and get no index."""

from django.db import migrations

INDEXES = (
    ("program_instruments_gin", "instruments"),
    ("program_lines_gin", "spectral_lines"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in INDEXES:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON programs_observingprogram USING gin ({column} jsonb_path_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("programs", "0002_dataset_inversion_qualificationruleset_scan_and_more")]

    operations = [migrations.RunPython(create, drop)]
