"""Editors cut releases; curators and editors see them in the admin."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("releases")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True  # create_permissions skips apps without models
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (
        ("curators", ["view_release"]),
        ("editors", ["view_release", "add_release"]),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="releases", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_initial"), ("policies", "0002_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
