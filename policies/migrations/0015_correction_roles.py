"""Readers' corrections: curators read them and record what was done; editors may also
delete them. Nobody adds one in the admin: they come from the public form."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATOR = ["change_correction", "view_correction"]
EDITOR = [*CURATOR, "delete_correction"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("policies")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True  # create_permissions skips apps without models
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("curators", CURATOR), ("editors", EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="policies", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["curators", "editors"]):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="policies", codename__in=EDITOR)
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0014_corrections")]

    operations = [migrations.RunPython(grant, revoke)]
