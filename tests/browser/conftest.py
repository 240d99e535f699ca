"""Browser tests: Debian's Chromium, driven by Playwright, reads the site from a live server
over the real seed data.

The seed is loaded once for the whole folder and committed, because the live server answers
from its own thread (and, on PostgreSQL, its own connections), which cannot see rows inside
the test's transaction. pytest-django's `live_server` asks for `transactional_db`, which
empties every table after each test; the browser tests only read, so this folder overrides
`transactional_db` with the committed seed instead and, once, at the end, puts the database
back as it found it (tests/database.py), so that the modules after it start as clean as
after `migrate`, the curation roles included.
"""

import re
import shutil
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.servers import basehttp
from playwright.sync_api import Browser, Page, sync_playwright

from policies.loading.seed import load_all
from tests import database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """`make test` on a laptop without Chromium still passes; CI installs it first
    (.ci/install-browser)."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Debian's Chromium at {CHROMIUM} (run .ci/install-browser)"
    )
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


# ---------------------------------------------------------------------------------------
# The live server: one request at a time when its threads share one SQLite connection

_SHARED_CONNECTION = threading.Lock()
_threaded_get_app = basehttp.ThreadedWSGIServer.get_app


def _get_app_one_request_at_a_time(server):
    """On SQLite in memory, every thread of the live server reads through the test's one
    connection (pytest-django passes it as `connections_override`). Two pages read at once
    (the map's year slider asks for the next year before the last has arrived) interleaved
    their cursors on it and both waited for ever. So, there, each request runs whole,
    streamed bodies included, while holding a lock. PostgreSQL gives each thread its own
    connection and keeps Django's threads."""
    app = _threaded_get_app(server)
    if not server.connections_override:
        return app

    def one_request_at_a_time(environ, start_response):
        with _SHARED_CONNECTION:
            response = app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()

    return one_request_at_a_time


basehttp.ThreadedWSGIServer.get_app = _get_app_one_request_at_a_time


# ---------------------------------------------------------------------------------------
# The database: the seed, committed once for the folder


@pytest.fixture(scope="package")
def committed_seed(django_db_setup, django_db_blocker):
    """The seed data, committed (load_all runs in its own transaction, outside any test's)
    for every browser test in this folder; one load of about 2–3 s in all. Database access
    stays unblocked for the folder: the live server's threads need it as much as the tests.
    At the end, the database is put back as the folder found it, with every row the
    migrations wrote (the curation roles), see tests/database.py."""
    with django_db_blocker.unblock():
        before = database.kept()
        summary = load_all(places_path=None)
        yield summary
        database.put_back(before)


@pytest.fixture
def transactional_db(committed_seed, request):
    """Overrides pytest-django's fixture, which `live_server` requests for every test using
    it: that one would empty the database after each test and the seed would need loading
    again each time. The tests here only read, so they share `committed_seed` instead."""
    if request.node.get_closest_marker("django_db"):
        pytest.fail(
            "browser tests share the committed seed; a django_db mark would flush it or hide "
            "it in a transaction the live server cannot see"
        )


@pytest.fixture
def site(live_server) -> str:
    """The live server's base URL, e.g. http://localhost:41234 (no trailing slash)."""
    return live_server.url


# ---------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="package")
def browser(committed_seed) -> Iterator[Browser]:
    """One Chromium for the folder. While Playwright's sync API is open it keeps an asyncio
    loop running in this thread, and Django then refuses database calls here
    (SynchronousOnlyOperation). So the seed is loaded before the browser starts and emptied
    after it closes, and the tests read the database only through the browser."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def viewport() -> dict:
    """A desktop window; a test overrides it (parametrize or a local fixture) for phones."""
    return {"width": 1280, "height": 900}


@pytest.fixture
def page(browser, site, viewport) -> Iterator[Page]:
    """A fresh context (no cookies, no cache) per test. There is no network here: requests
    for anything but the live server are aborted at once instead of waiting on DNS, and
    listed in `page.offsite_requests` for the test to route or assert on."""
    context = browser.new_context(viewport=viewport, base_url=site)
    context.set_default_timeout(10_000)
    offsite = []

    def abort_offsite(route):
        offsite.append(route.request.url)
        route.abort()

    context.route(re.compile(rf"^(?!{re.escape(site)}/)"), abort_offsite)
    page = context.new_page()
    page.offsite_requests = offsite
    yield page
    context.close()
    if offsite:
        warnings.warn(f"requests off the live server were aborted: {offsite}", stacklevel=1)


class Screenshots:
    """Full-page screenshots, numbered in the order taken: <test-name>-<n>.png."""

    def __init__(self, test_name: str):
        self.stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.count = 0

    def __call__(self, page: Page) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.stem}-{self.count}.png"
        page.screenshot(path=path, full_page=True)
        return path


@pytest.fixture(scope="session")
def screenshots_folder() -> Path:
    """Emptied once per run, so the folder (a CI artifact) shows this run's pages only."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(request, screenshots_folder) -> Screenshots:
    return Screenshots(request.node.name)


@pytest.fixture
def visit(page, screenshot):
    """Opens a path on the live server, checks it answered 200 and takes its screenshot."""

    def go(path: str) -> Page:
        response = page.goto(path)
        assert response is not None and response.status == 200, (
            f"GET {path} answered {response and response.status}"
        )
        screenshot(page)
        return page

    return go
