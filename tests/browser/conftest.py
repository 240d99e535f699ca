"""Browser tests: Debian's Chromium, driven by Playwright, reads the site from a live server
over the real seed data.

The seed is loaded once for the whole folder and committed, because the live server
(`live_site`) answers from its own threads (and, on PostgreSQL, its own connections), which
cannot see rows inside the test's transaction. pytest-django's `transactional_db` would
empty every table after each test; the browser tests only read, so this folder overrides
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
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import modify_settings
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


class OneRequestAtATimeOnSharedSQLite(ThreadedWSGIServer):
    """Django's threaded test server, except where its threads share one connection: on
    SQLite in memory, every thread of the live server reads through the test's connection
    (passed as `connections_override`). Two pages read at once (the map's year slider asks
    for the next year before the last has arrived) interleaved their cursors on it and both
    waited for ever. So, there, each request runs whole, streamed bodies included, while
    holding a lock; the lock is per request, not per connection, since a browser keeps idle
    connections open. PostgreSQL gives each thread its own connection and keeps Django's
    threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.one_at_a_time = threading.Lock()

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)

        def one_request_at_a_time(environ, start_response):
            with self.one_at_a_time:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        return super().set_app(one_request_at_a_time)


class LiveSiteThread(LiveServerThread):
    server_class = OneRequestAtATimeOnSharedSQLite


@pytest.fixture(scope="package")
def live_site(committed_seed) -> Iterator[str]:
    """The site served from a thread on a free port of localhost, as pytest-django's
    `live_server` serves it (static files included, an in-memory SQLite connection shared
    with the server's threads), through `LiveSiteThread`. Its value is the base URL, e.g.
    http://localhost:41234 (no trailing slash)."""
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = LiveSiteThread(
        "localhost", static_handler=StaticFilesHandler, connections_override=shared
    )
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    try:
        with modify_settings(ALLOWED_HOSTS={"append": thread.host}):
            thread.start()
            thread.is_ready.wait()
            if thread.error:
                raise thread.error
            yield f"http://{thread.host}:{thread.port}"
    finally:
        thread.terminate()
        for connection in shared.values():
            connection.dec_thread_sharing()


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
    """Overrides pytest-django's fixture, which would empty the database after each test
    (the seed would need loading again each time). Every test reading the live site asks
    for it (`site`), so that pytest-django and tests/conftest.py order them with the
    transactional tests, after the seed held in a transaction is let go. The tests here only
    read, so they share `committed_seed` instead."""
    if request.node.get_closest_marker("django_db"):
        pytest.fail(
            "browser tests share the committed seed; a django_db mark would flush it or hide "
            "it in a transaction the live server cannot see"
        )


@pytest.fixture
def site(live_site, transactional_db) -> str:
    """The live site's base URL, e.g. http://localhost:41234 (no trailing slash)."""
    return live_site


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
