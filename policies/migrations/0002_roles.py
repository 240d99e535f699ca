"""The two curation roles.

Curators create and edit drafts and submit them for review; editors also publish,
unpublish, delete and edit the codebook. Permissions normally appear only after migrate
finishes, so they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = {
    "jurisdictions": ["jurisdiction", "agency"],
    "policies": ["instrument", "provision", "citation", "source", "event"],
}
CODEBOOK = {"policies": ["dimension", "dimensionvalue"]}


def codenames(models_by_app, actions):
    return [
        (app, f"{action}_{model}")
        for app, models in models_by_app.items()
        for model in models
        for action in actions
    ]


CURATOR_PERMISSIONS = (
    codenames(CURATED, ["add", "change", "view"])
    # Inline rows (provisions, citations) are removed from a draft while editing it.
    + [("policies", "delete_provision"), ("policies", "delete_citation")]
    + codenames(CODEBOOK, ["view"])
)
EDITOR_PERMISSIONS = (
    CURATOR_PERMISSIONS
    + codenames(CURATED, ["delete"])
    + codenames(CODEBOOK, ["add", "change", "delete"])
    + [("policies", "publish_instrument")]
)


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True  # create_permissions skips apps without models
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("curators", CURATOR_PERMISSIONS), ("editors", EDITOR_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in set(wanted):
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["curators", "editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("jurisdictions", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
