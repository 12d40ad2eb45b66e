"""Real-browser tests: the whole ASGI site in its own process, driven by the system Chromium.

The site runs under daphne in a child process started with the ``spawn`` method, against
pytest-django's test database (tests/servers.py). Playwright drives Debian's Chromium.

A missing precondition (no Chromium, no Playwright) skips these tests with its reason on a
developer machine, and fails them when ``CI=true``: a skipped test in CI hides a defect.

Browser tests take ``@pytest.mark.browser`` and
``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``: the server process
only sees committed rows, and the serialized rollback puts back the starter categories that
the flush after each transactional test removes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection, connections

from tests.servers import ASYNC_UNSAFE, LiveSite, in_ci, require, running_site

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Request

# Re-exported: the browser tests import these from here.
__all__ = ["LiveSite", "PageLog", "in_ci", "require"]

CHROMIUM = "/usr/bin/chromium"
# How long the flush after a browser test waits for the site's last queries to finish.
SERVER_IDLE_WAIT_SECONDS = 5
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Without Playwright the test modules cannot even be imported: skip (or, in CI, fail) the
# whole directory with the reason, instead of a collection error that says nothing useful.
require(
    importlib.util.find_spec("playwright") and importlib.util.find_spec("pytest_playwright"),
    "Playwright is not installed: pip install -e '.[dev]'",
    module_level=True,
)


def find_chromium() -> str | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


# --- The site, served by daphne in a spawned process ------------------------------------


@pytest.fixture(scope="session")
def live_site(django_db_setup: None) -> Iterator[LiveSite]:
    """The real ASGI application (HTTP and WebSockets) on a free localhost port."""
    with running_site(name="daphne-live-site") as site:
        yield site


# --- Playwright with the system Chromium -----------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # `playwright install` cannot download here; Debian's chromium is the browser.
    chromium = find_chromium()
    require(chromium, f"Chromium is not installed ({CHROMIUM}, or `chromium` on PATH)")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_site: LiveSite) -> str:
    # pytest-playwright gives it to every browser context: tests write page.goto("/join/").
    return live_site.url


@pytest.fixture(scope="session")
def _database_connections(django_db_setup: None) -> dict[str, BaseDatabaseWrapper]:
    """The test process's database connections as pytest-django set them up.

    Django keeps connections in a thread-critical asgiref Local, which hands out other,
    fresh connection objects while an event loop runs in the thread. Playwright's sync API
    keeps one running, so without this the test body and pytest-django's per-test set-up
    would use a second connection that lacks the serialized database contents
    (``serialized_rollback`` would silently restore nothing).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return {alias: connections[alias] for alias in connections}
    pytest.fail(
        "an event loop was already running when the browser fixtures started: request "
        "`live_site` or `page` before any other Playwright fixture",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser(
    _database_connections: dict[str, BaseDatabaseWrapper],
    browser_type_launch_args: dict[str, Any],
    live_site: LiveSite,
    launch_browser: Callable[..., Browser],
) -> Iterator[Browser]:
    """Chromium, with ORM calls allowed in the test process only while it runs.

    Playwright's sync API keeps an event loop running in the main thread, which makes every
    ORM call in a test body raise SynchronousOnlyOperation. The server process started
    before this and never sees the variable.
    """
    # Playwright's loop runs from here on: keep using the connections made before it.
    for alias, wrapper in _database_connections.items():
        connections[alias] = wrapper
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        launched = launch_browser()
        try:
            yield launched
        finally:
            launched.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


# --- What a page did --------------------------------------------------------------------

# Chromium reports each violation in the console, in words that change between versions
# ("Refused to ..." before, "... violates the following Content Security Policy directive"
# now). This listener reports every violation once more in fixed words, from the page.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective +
                " blocked " + (event.blockedURI || "inline"));
});
"""


@dataclass
class PageLog:
    """Every request, console message and uncaught error of one page, in order."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_requests(self, site: LiveSite) -> list[str]:
        return [address for address in self.requests if not site.is_own(address)]

    def csp_violations(self) -> list[str]:
        return [
            text
            for text in self.console
            if "Content Security Policy" in text or "Refused to" in text
        ]


@pytest.fixture
def page_log(page: Page) -> PageLog:
    log = PageLog()

    def on_request(request: Request) -> None:
        log.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        log.console.append(f"{message.type}: {message.text}")

    def on_error(error: Error) -> None:
        log.errors.append(str(error))

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    return log


@pytest.fixture
def open_context(browser: Browser, live_site: LiveSite) -> Iterator[Callable[[], BrowserContext]]:
    """More browser contexts (other people), closed after the test."""
    opened: list[BrowserContext] = []

    def open_one() -> BrowserContext:
        context = browser.new_context(base_url=live_site.url)
        opened.append(context)
        return context

    yield open_one
    for context in opened:
        context.close()


# --- Between tests ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _server_idle_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Wait, after a transactional browser test, until the site's process has no query
    running before the database is flushed.

    The flush TRUNCATEs every table at once. A request the browser sent just before the
    test ended (a fetch on page load, a read mark) may still be running in the server
    process, holding a lock on one table while waiting for another, and PostgreSQL then
    ends one of the two as a deadlock. Set up after pytest-django's database fixture, so
    torn down before its flush, and after the pages, which close first.
    """
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + SERVER_IDLE_WAIT_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
