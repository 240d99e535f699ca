"""Editors cut releases; curators and editors see them in the admin."""

from django.db import migrations

from core import roles


def grant(apps, schema_editor):
    roles.grant(
        apps,
        "releases",
        {"curators": ["view_release"], "editors": ["view_release", "add_release"]},
    )


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_initial"), ("policies", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
