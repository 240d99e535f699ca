"""Readers' corrections: curators read them and record what was done; editors may also
delete them. Nobody adds one in the admin: they come from the public form."""

from django.db import migrations

from core import roles

CURATOR = ["change_correction", "view_correction"]
EDITOR = [*CURATOR, "delete_correction"]


def grant(apps, schema_editor):
    roles.grant(apps, "policies", {"curators": CURATOR, "editors": EDITOR})


def revoke(apps, schema_editor):
    roles.revoke(apps, "policies", EDITOR)


class Migration(migrations.Migration):
    dependencies = [("policies", "0014_corrections")]

    operations = [migrations.RunPython(grant, revoke)]
