"""The curation roles the migrations write, and what survives emptying the database."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from jurisdictions.models import Jurisdiction
from tests import database
from tests.factories import make_state

ROOT = Path(__file__).resolve().parent.parent.parent


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }


def test_every_role_migration_grants_through_the_one_function():
    migrations = sorted(ROOT.glob("*/migrations/*.py"))
    granting = {
        str(path.relative_to(ROOT))
        for path in migrations
        if "create_permissions" in _calls(path) or "get_or_create" in _calls(path)
    }
    assert granting == set()


def _roles() -> dict[str, set[str]]:
    return {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }


@pytest.mark.django_db(transaction=True)
def test_putting_the_database_back_keeps_the_roles_and_drops_what_was_added():
    # The roles as the migrations leave them (a transactional test before may have emptied
    # the database): each with a permission only a later migration grants.
    curators, _ = Group.objects.get_or_create(name="curators")
    curators.permissions.add(
        Permission.objects.get(codename="add_suspension"),
        Permission.objects.get(codename="view_agreement"),
    )
    roles = _roles()
    saved = database.kept()

    make_state(name="Illinois", fips="17", usps="IL")
    database.put_back(saved)

    assert _roles() == roles
    assert not Jurisdiction.objects.exists()
    # New rows take new keys after the restored ones.
    assert Group.objects.create(name="another").pk > curators.pk
