import os

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from hypothesis import settings
from pytest_django.plugin import blocking_manager_key

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
    worker (six small queries a request). Tests that pin a view's query count measure the
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


class _HeldSeed:
    """The real seed data, loaded once and held in an open transaction for every test that
    asks for it (`seeded`); each test runs in a savepoint inside it, so what a test changes
    is undone before the next. It is rolled back before the first test that did not ask for
    it, so those start from an empty database; the tests that ask for it run one after the
    other (`pytest_collection_modifyitems` below), so it loads once a run (a load is about
    ten seconds of CPU)."""

    def __init__(self):
        self.outer = None
        self.summary = None

    def hold(self, blocker):
        if self.outer is None:
            with blocker.unblock():
                self.outer = transaction.atomic()
                self.outer.__enter__()
                self.summary = load_all(places_path=None)
        return self.summary

    def release(self, blocker):
        if self.outer is None:
            return
        with blocker.unblock():
            if connection.savepoint_ids:
                raise RuntimeError(
                    "a fixture still holds a savepoint inside the seed's transaction"
                )
            transaction.set_rollback(True)
            outer, self.outer = self.outer, None
            outer.__exit__(None, None, None)


_held_seed = _HeldSeed()


@pytest.fixture(scope="session")
def _seed_released_at_the_end(django_db_setup, django_db_blocker):
    yield
    _held_seed.release(django_db_blocker)


@pytest.fixture(scope="module")
def seeded(_seed_released_at_the_end, django_db_blocker):
    """The real seed data (see `_HeldSeed`), without the 36,000 places and county
    subdivisions (the seed's own five places load): `seeded_with_places` has them, for the
    modules that need them. Its value is the load's summary."""
    return _held_seed.hold(django_db_blocker)


def _database_order(item) -> int:
    """pytest-django's order: tests in a rolled-back transaction, then transactional ones,
    then those without the database."""
    marker = item.get_closest_marker("django_db")
    fixtures = item.fixturenames
    if (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    ):
        return 1
    return 0 if marker or "db" in fixtures else 2


def pytest_collection_modifyitems(items):
    """Within pytest-django's order, the tests that ask for `seeded` come together (after
    the others of their group, in their own order), so the seed is loaded once."""
    items.sort(key=lambda item: (_database_order(item), "seeded" in item.fixturenames))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a test that uses the database without the seed sets anything up, the held
    seed goes."""
    if "seeded" not in item.fixturenames and _database_order(item) < 2:
        _held_seed.release(item.config.stash[blocking_manager_key])


# In CI, Hypothesis explores the same examples on every run, so a red build always means a
# change broke something; locally it keeps exploring new ones.
# No deadline either way: tests are never timed (a busy machine once made one example of a
# pure property test take half a second and fail).
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")
