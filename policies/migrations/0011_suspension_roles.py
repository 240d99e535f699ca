"""The curation roles over court orders that suspend provisions: curators record them,
editors also delete them (as for the other curated records, see 0002_roles)."""

from django.db import migrations

from core import roles

CURATOR = ["add_suspension", "change_suspension", "view_suspension"]
EDITOR = [*CURATOR, "delete_suspension"]


def grant(apps, schema_editor):
    roles.grant(apps, "policies", {"curators": CURATOR, "editors": EDITOR})


def revoke(apps, schema_editor):
    roles.revoke(apps, "policies", EDITOR)


class Migration(migrations.Migration):
    dependencies = [("policies", "0010_dataset_in_the_project")]

    operations = [migrations.RunPython(grant, revoke)]
