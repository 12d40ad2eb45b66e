"""Real-browser tests: the whole ASGI site in its own process, driven by the system Chromium.

The site runs under daphne in a child process started with the ``spawn`` method (a forked
child would inherit asgiref's executor without its thread, and pytest-django's database
blocker), against pytest-django's test database. Playwright drives Debian's Chromium.

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
import logging
import multiprocessing
import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from queue import Empty
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    from django.db.backends.base.base import BaseDatabaseWrapper
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request

HOST = "127.0.0.1"
SERVER_START_TIMEOUT_SECONDS = 60
SERVER_STOP_TIMEOUT_SECONDS = 10
CHROMIUM = "/usr/bin/chromium"
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
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(condition: object, reason: str, *, module_level: bool = False) -> None:
    """Skip when a precondition is missing; fail instead in CI."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


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


@dataclass(frozen=True)
class LiveSite:
    url: str  # http://127.0.0.1:<port>, no trailing slash

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    def is_own(self, address: str) -> bool:
        """Whether a URL the browser requested goes to this site and nowhere else."""
        parts = urlsplit(address)
        return parts.scheme in {"http", "ws"} and parts.netloc == self.netloc


def _log_request_errors_to_console() -> None:
    # pytest-django forces DEBUG off, so a 500 would otherwise show no traceback at all.
    request_logger = logging.getLogger("django.request")
    if request_logger.getEffectiveLevel() > logging.ERROR:
        request_logger.setLevel(logging.ERROR)
    to_console = any(
        type(handler) is logging.StreamHandler and handler.stream in {sys.stderr, sys.stdout}
        for handler in request_logger.handlers
    )
    if not to_console:
        request_logger.addHandler(logging.StreamHandler(sys.stderr))


def _serve(settings_module: str, database_name: str, reports: Queue[tuple[str, str]]) -> None:
    """The child process: set Django up on the test database and serve the ASGI app.

    Runs in a fresh (spawned) interpreter, so Django is set up here from scratch. It sends
    ("ready", port) once daphne listens, or ("error", traceback) if it cannot start.
    """
    try:
        # ORM calls in the server must stay guarded, whatever the test process allows.
        os.environ.pop(ASYNC_UNSAFE, None)
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module

        from django.conf import settings

        # The test process's own connection decides the database (test_<name> on
        # PostgreSQL, the TEST NAME file on SQLite): set it before anything connects.
        settings.DATABASES["default"]["NAME"] = database_name
        if HOST not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]

        import django

        django.setup()
        _log_request_errors_to_console()

        from channels.routing import get_default_application
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server  # its import installed the asyncio reactor
        from twisted.internet import reactor

        server = Server(
            application=get_default_application(),
            endpoints=build_endpoint_description_strings(host=HOST, port=0),
            signal_handlers=False,
        )

        # Typed through zope interfaces, which mypy reads without `self`.
        call_later: Callable[..., Any] = reactor.callLater

        def report_port() -> None:
            if server.listening_addresses:
                reports.put(("ready", str(server.listening_addresses[0][1])))
            else:
                call_later(0.05, report_port)

        call_later(0.05, report_port)
        server.run()
    except BaseException:
        reports.put(("error", traceback.format_exc()))
        raise


@pytest.fixture(scope="session")
def live_site(django_db_setup: None) -> Iterator[LiveSite]:
    """The real ASGI application (HTTP and WebSockets) on a free localhost port."""
    database_name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        require(
            not SQLiteCreation.is_in_memory_db(database_name),
            "browser tests need a file-based SQLite test database (DATABASES TEST NAME)",
        )
    spawn = multiprocessing.get_context("spawn")
    reports: Queue[tuple[str, str]] = spawn.Queue()
    process = spawn.Process(
        target=_serve,
        args=(
            os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
            database_name,
            reports,
        ),
        name="daphne-live-site",
        daemon=True,
    )
    process.start()
    try:
        port = _wait_for_port(process, reports)
        yield LiveSite(url=f"http://{HOST}:{port}")
    finally:
        process.terminate()
        process.join(SERVER_STOP_TIMEOUT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
        reports.close()
        reports.join_thread()


def _wait_for_port(process: multiprocessing.process.BaseProcess, reports: Queue[Any]) -> int:
    waited = 0.0
    while waited < SERVER_START_TIMEOUT_SECONDS:
        try:
            kind, detail = reports.get(timeout=0.5)
        except Empty:
            waited += 0.5
            if not process.is_alive():
                pytest.fail(
                    f"the daphne server process exited with {process.exitcode}", pytrace=False
                )
            continue
        if kind == "ready":
            return int(detail)
        pytest.fail(f"the daphne server process could not start:\n{detail}", pytrace=False)
    pytest.fail(f"the daphne server did not listen within {SERVER_START_TIMEOUT_SECONDS} s")


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
