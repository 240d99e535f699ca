"""A trigram index for name searches on PostgreSQL.

`q=` on the list page and the API is `name__icontains`, which PostgreSQL runs as
`UPPER(name::text) LIKE UPPER('%…%')`: with 39,000 places and townships a scan of every name
(40 ms); with this index, 2 ms. pg_trgm ships with PostgreSQL and is a trusted extension (the
database's owner may create it). SQLite has no such index and needs none at this size.
Not declared in `Meta.indexes`, since it exists on one database only.
"""

from django.db import migrations

INDEX = "jurisdiction_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON jurisdictions_jurisdiction "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("jurisdictions", "0004_county_subdivisions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
