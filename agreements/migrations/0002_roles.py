"""Curators and editors see what was imported from ICE's lists and resolve the review list
(choose an agency's jurisdiction); editors may also delete a resolution."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

IMPORTED = ["snapshot", "agreement", "change", "pendingrequest", "reviewitem", "agencyname"]
CURATOR = [f"view_{m}" for m in IMPORTED] + [
    "add_agencyresolution",
    "change_agencyresolution",
    "view_agencyresolution",
]
EDITOR = CURATOR + ["delete_agencyresolution"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("agreements")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True  # create_permissions skips apps without models
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("curators", CURATOR), ("editors", EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="agreements", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="agreements").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("policies", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
