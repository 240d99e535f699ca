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
    """Maps and exports are cached per process under the data version, and a test database
    can return to an earlier version when a test's transaction is rolled back."""
    from django.core.cache import caches

    from policies.positions.queries import forget_codebook

    caches["maps"].clear()
    caches["exports"].clear()
    forget_codebook()


@pytest.fixture(autouse=True)
def _throttle_counts_in_memory(request, settings):
    """The API's rate-limit counts live in a database table in production, shared by every
    worker (one statement for many requests). Tests that pin a view's query count measure the
    view's own queries, so they count in memory, from zero in each test (a fast run makes
    more than a minute's allowance of requests); tests of the shared store opt out. Each
    test starts without the requests a worker reserved in an earlier one."""
    from core.throttle import forget_leases

    forget_leases()
    if "shared_cache" in request.keywords:
        return
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    caches["default"].clear()


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
    asks for it (`seeded`, or `seeded_with_places` with the 36,000 places as well); each test
    runs in a savepoint inside it, so what a test changes is undone before the next. It is
    rolled back before the first test that asks for neither (or for the other), so those
    start from an empty database; the tests that ask for each run one after the other
    (`pytest_collection_modifyitems` below), so each loads once a run instead of once a
    module (a load is about ten seconds of CPU, with the places twenty)."""

    def __init__(self):
        self.outer = None
        self.held = None  # the fixture's name
        self.summary = None

    def hold(self, name: str, blocker):
        if self.held != name:
            self.release(blocker)
            with blocker.unblock():
                self.outer = transaction.atomic()
                self.outer.__enter__()
                places = {} if name == "seeded_with_places" else {"places_path": None}
                self.summary = load_all(**places)
                self.held = name
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
            outer, self.outer, self.held = self.outer, None, None
            outer.__exit__(None, None, None)


_held_seed = _HeldSeed()
# The fixtures that hold it, in the order their tests run.
HELD = ("seeded_with_places", "seeded")


@pytest.fixture(scope="session")
def _seed_released_at_the_end(django_db_setup, django_db_blocker):
    """Also reads the API's parameters from its schema (once a process, two queries), so
    that the query counts pinned on the seed data never depend on which test came first."""
    from core.parameters import allowed_by_path

    with django_db_blocker.unblock():
        allowed_by_path()
    yield
    _held_seed.release(django_db_blocker)


@pytest.fixture(scope="module")
def seeded(_seed_released_at_the_end, django_db_blocker):
    """The real seed data (see `_HeldSeed`), without the 36,000 places and county
    subdivisions (the seed's own five places load). Its value is the load's summary."""
    return _held_seed.hold("seeded", django_db_blocker)


@pytest.fixture(scope="module")
def seeded_with_places(_seed_released_at_the_end, django_db_blocker):
    """Like `seeded`, with every place and county subdivision."""
    return _held_seed.hold("seeded_with_places", django_db_blocker)


def _held_by(item) -> str | None:
    return next((name for name in HELD if name in item.fixturenames), None)


def _database_order(item) -> int:
    """pytest-django's order: tests in a rolled-back transaction (as are those holding a
    seed), then transactional ones, then those without the database."""
    marker = item.get_closest_marker("django_db")
    fixtures = item.fixturenames
    if (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    ):
        return 1
    return 0 if marker or "db" in fixtures or _held_by(item) else 2


def pytest_collection_modifyitems(items):
    """Within pytest-django's order, the tests that ask for a held seed come together (after
    the others of their group, each in their own order), so each seed is loaded once."""

    def held_order(item) -> int:
        held = _held_by(item)
        return 0 if held is None else 1 + HELD.index(held)

    items.sort(key=lambda item: (_database_order(item), held_order(item)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a test that uses the database without the held seed sets anything up, the
    seed goes."""
    if _database_order(item) < 2 and _held_by(item) != _held_seed.held:
        _held_seed.release(item.config.stash[blocking_manager_key])


# In CI, Hypothesis explores the same examples on every run, so a red build always means a
# change broke something; locally it keeps exploring new ones.
# No deadline either way: tests are never timed (a busy machine once made one example of a
# pure property test take half a second and fail).
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("local", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "local")
