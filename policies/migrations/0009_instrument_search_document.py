"""A stored full-text document for instruments, on PostgreSQL only (policies/search.py)."""

from django.db import migrations

from policies.search import DOCUMENT_COLUMN, DOCUMENT_SQL

TABLE = "policies_instrument"


def add_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN {DOCUMENT_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT_SQL}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX instrument_search_document ON {TABLE} USING gin ({DOCUMENT_COLUMN})"
    )


def drop_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN {DOCUMENT_COLUMN}")


class Migration(migrations.Migration):
    dependencies = [("policies", "0008_data_version")]

    operations = [migrations.RunPython(add_document, drop_document)]
