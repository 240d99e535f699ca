"""Curators and editors see what was imported from ICE's lists and resolve the review list
(choose an agency's jurisdiction); editors may also delete a resolution."""

from django.db import migrations

from core import roles

IMPORTED = ["snapshot", "agreement", "change", "pendingrequest", "reviewitem", "agencyname"]
CURATOR = [f"view_{m}" for m in IMPORTED] + [
    "add_agencyresolution",
    "change_agencyresolution",
    "view_agencyresolution",
]
EDITOR = CURATOR + ["delete_agencyresolution"]


def grant(apps, schema_editor):
    roles.grant(apps, "agreements", {"curators": CURATOR, "editors": EDITOR})


def revoke(apps, schema_editor):
    roles.revoke(apps, "agreements", EDITOR)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("policies", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
