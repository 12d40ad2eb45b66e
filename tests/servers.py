"""The whole ASGI site (HTTP and WebSockets) in its own process, for tests that need a real
server: the browser tests and the live updates across server processes.

The site runs under daphne in a child process started with the ``spawn`` method (a forked
child would inherit asgiref's executor without its thread, and pytest-django's database
blocker), against pytest-django's test database.

A missing precondition skips a test with its reason on a developer machine, and fails it
when ``CI=true``: a skipped test in CI hides a defect.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from queue import Empty
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

HOST = "127.0.0.1"
SERVER_START_TIMEOUT_SECONDS = 60
SERVER_STOP_TIMEOUT_SECONDS = 10
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


@dataclass(frozen=True)
class LiveSite:
    url: str  # http://127.0.0.1:<port>, no trailing slash

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def ws_url(self) -> str:
        return f"ws://{self.netloc}"

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


def _serve(
    settings_module: str,
    database_name: str,
    reports: Queue[tuple[str, str]],
    environ: Mapping[str, str] | None = None,
) -> None:
    """The child process: set Django up on the test database and serve the ASGI app.

    Runs in a fresh (spawned) interpreter, so Django is set up here from scratch. It sends
    ("ready", port) once daphne listens, or ("error", traceback) if it cannot start.
    `environ` is set before the settings are read (REDIS_URL, for one).
    """
    try:
        # ORM calls in the server must stay guarded, whatever the test process allows.
        os.environ.pop(ASYNC_UNSAFE, None)
        # Posting limits would slow the browser tests' quick replies: off, as the
        # README's automated checks run them.
        os.environ["RATE_LIMITS"] = "off"
        os.environ.update(environ or {})
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


@contextmanager
def running_site(
    *, name: str = "daphne-live-site", environ: Mapping[str, str] | None = None
) -> Iterator[LiveSite]:
    """The real ASGI application (HTTP and WebSockets) on a free localhost port, serving
    the test database. Needs the database set up (`django_db_setup`)."""
    database_name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        require(
            not SQLiteCreation.is_in_memory_db(database_name),
            "a server process needs a file-based SQLite test database (DATABASES TEST NAME)",
        )
    spawn = multiprocessing.get_context("spawn")
    reports: Queue[tuple[str, str]] = spawn.Queue()
    process = spawn.Process(
        target=_serve,
        args=(
            os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
            database_name,
            reports,
            dict(environ or {}),
        ),
        name=name,
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
