import os

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from hypothesis import settings

from policies.loading.seed import load_all

# The cast: Alice curates (drafts, submits), Bob edits (publishes), Charlie has an account
# but no role, and anonymous visitors have none at all.


def _staff_user(username, group_name=None):
    user = User.objects.create_user(username, f"{username}@example.org", "pw-for-tests-only")
    user.is_staff = group_name is not None
    user.save()
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)  # fresh, so permission caches start empty


@pytest.fixture
def alice(db):
    return _staff_user("alice", "curators")


@pytest.fixture
def bob(db):
    return _staff_user("bob", "editors")


@pytest.fixture
def charlie(db):
    return _staff_user("charlie")


@pytest.fixture(autouse=True)
def _no_map_drawn_by_another_test():
    """Maps are cached per process under the data version, and a test database can return
    to an earlier version when a test's transaction is rolled back."""
    from django.core.cache import caches

    from policies.positions.queries import forget_codebook

    caches["maps"].clear()
    forget_codebook()


@pytest.fixture(autouse=True)
def _throttle_counts_in_memory(request, settings):
    """The API's rate-limit counts live in a database table in production, shared by every
    worker (one statement a request). Tests that pin a view's query count measure the
    view's own queries, so they count in memory; tests of the shared store opt out."""
    if "shared_cache" in request.keywords:
        return
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Tests run with DEBUG off but without `collectstatic`, so the hashed-manifest storage
    used in production would have no manifest to read."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The real seed data, loaded once for a whole test module and rolled back at its end
    so that other modules start from an empty database. Each test runs in a savepoint
    inside it, so what a test changes is undone before the next. Without the 36,000
    places and county subdivisions (the seed's own five places load): `seeded_with_places`
    has them, for the modules that need them."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        summary = load_all(places_path=None)
    yield summary
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# In CI, Hypothesis explores the same examples on every run, so a red build always means a
# change broke something; locally it keeps exploring new ones.
# No deadline either way: tests are never timed (a busy machine once made one example of a
# pure property test take half a second and fail).
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")
