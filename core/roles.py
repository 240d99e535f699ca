"""Granting the curation roles (the `curators` and `editors` groups) an app's permissions,
for the data migrations that define them. A plain module, importing no models, so that
each migration runs it on its own historical models.

Permissions normally appear only after `migrate` finishes (`post_migrate`), so they are
created here first. `create_permissions` skips an app whose `models_module` is unset, as
it is in a migration's historical registry, so it is set for the call and then put back.
"""

from django.contrib.auth.management import create_permissions


def grant(apps, app_label: str, codenames_by_group: dict[str, list[str]]) -> None:
    """Adds each group (created if missing) the permissions of `app_label` named."""
    app_config = apps.get_app_config(app_label)
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in codenames_by_group.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        missing = set(codenames) - set(wanted.values_list("codename", flat=True))
        if missing:  # a typo would otherwise grant nothing, silently
            raise LookupError(f"No permission {sorted(missing)} in the app {app_label!r}.")
        group.permissions.add(*wanted)


def revoke(apps, app_label: str, codenames: list[str]) -> None:
    """Takes the permissions of `app_label` named from both groups."""
    Permission = apps.get_model("auth", "Permission")
    removed = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["curators", "editors"]):
        group.permissions.remove(*removed)
