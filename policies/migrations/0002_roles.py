"""The two curation roles.

Curators create and edit drafts and submit them for review; editors also publish,
unpublish, delete and edit the codebook (permissions granted by `core.roles`).
"""

from django.db import migrations

from core import roles

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


def of_app(permissions, app_label):
    return sorted({codename for app, codename in permissions if app == app_label})


def create_roles(apps, schema_editor):
    for app_label in ("jurisdictions", "policies"):
        roles.grant(
            apps,
            app_label,
            {
                "curators": of_app(CURATOR_PERMISSIONS, app_label),
                "editors": of_app(EDITOR_PERMISSIONS, app_label),
            },
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
