"""Soak and fault harness for Own Pace: a mixed workload, optional faults, and nothing lost.

Serves the site the production way on this machine (several uvicorn processes, each
`--workers 1`, like `docker compose up --scale web=3` behind the proxy; DEBUG off;
PostgreSQL; Redis for the cache and the pub/sub channel layer; RATE_LIMITS off) and runs,
for a set duration:

- readers browsing (default 200): GETs of the home, category and thread pages with a
  think time between pages, each on a keep-alive connection;
- members posting replies (default 20), signed in through the login form; each reply
  carries a unique marker and a submission token, and now and then the same form is sent
  twice at once (a double click) to two different server processes;
- WebSocket readers (default 1,000) spread over the hot threads (default 10) and over the
  server processes, in client processes of their own, behaving like static/js/live.js:
  on every (re)connect they fetch what they missed with /t/<id>/posts/?after=<id>, and a
  dropped socket reconnects after 1 s, 2 s, 4 s … (±30 %) to the next server process.

At the end it checks that every reply the server accepted (a redirect to the post) is in
the database exactly once and reached every socket reader of its thread, live or by
catching up (bench/soak_accounting.py, tested in tests/test_soak_accounting.py), and
prints one table per scenario: requests/s, p50/p99 per page type, 5xx responses,
accepted, lost and duplicate replies, fan-out p99, reader catch-up after a fault, and the
server processes' memory.

    cd /work/main && .venv/bin/python bench/soak.py                       # clean, 60 s
    .venv/bin/python bench/soak.py --faults redis,database,worker         # one run per fault
    .venv/bin/python bench/soak.py --duration 300                         # memory over 5 min

Faults, injected in the middle of the run: `redis` stops the Redis server for 10 s
(`redis-cli shutdown nosave`) and starts it again with the command in --redis-start;
`database` refuses connections to the soak database for 5 s (ALLOW_CONNECTIONS false and
pg_terminate_backend of its sessions; the PostgreSQL server keeps running for everyone
else); `worker` SIGKILLs one server process, which is not restarted.

Everything it starts (uvicorn, the client processes) is stopped on the way out, also on
Ctrl+C or an error, and a stopped Redis or a closed database is brought back. Requests go
to 127.0.0.1 only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout import CSRF_INPUT, flush_redis, rss_kb, stop_clients  # the fan-out benchmark's helpers
from pages import (  # the page benchmark's server and setup helpers
    BASE_DIR,
    HOST,
    Server,
    load_average,
    manage,
    percentile,
    prepare,
    say,
    temporary_directory,
)
from soak_accounting import AcceptedReply, Accounting, ReaderLog, account, catch_up_seconds

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/ownpace_soak"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
# How this machine's Redis is started; the fault starts it again exactly so.
DEFAULT_REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
FAULTS = ("none", "redis", "database", "worker")
REDIS_OUTAGE_SECONDS = 10.0
DATABASE_OUTAGE_SECONDS = 5.0
# Replies accepted this long after a worker is killed are the ones its sockets must catch.
WORKER_FAULT_WINDOW_SECONDS = 5.0
TARGET_CATCH_UP_SECONDS = 10.0
TARGET_MEMORY_GROWTH = 0.10
PASSWORD = "soak-bench-" + secrets.token_urlsafe(12)
SOCKETS_PER_CLIENT = 250
CONNECT_CONCURRENCY = 25
SETTLE_SECONDS = 45.0  # after the load, how long readers may take to have every reply
REPLY_BODY = "Thank you for sharing this. Going slowly is still going, and the small steps count."
MARKER = re.compile(r"soak-[a-z]+-[0-9]+-[0-9]+")


# --- WebSocket readers: client processes behaving like static/js/live.js ---------------


@dataclass
class ReaderSpec:
    index: int
    thread_id: int
    last_post_id: int
    first_port: int  # index into the ports list


class Reader:
    def __init__(self, spec: ReaderSpec, ports: list[int]) -> None:
        self.spec = spec
        self.ports = ports
        self.port_index = spec.first_port
        self.last_id = spec.last_post_id
        self.log = ReaderLog(thread_id=spec.thread_id)
        self.socket: Any = None
        self.catching: asyncio.Task[None] | None = None
        self.catch_again = False  # asked to catch up while a catch-up was under way
        self.missed_after: int | None = None  # as live.js's missedAfter
        self.connections = 0
        self.drops = 0
        self.failed_connects = 0

    def has(self, post_id: int) -> bool:
        return post_id in self.log.live or post_id in self.log.caught_up

    def look_from(self, post_id: int) -> None:
        if post_id < self.last_id:
            self.missed_after = min(post_id, self.missed_after or post_id)

    def add_caught_up(self, posts: list[dict[str, Any]], now: float) -> None:
        """Posts a catch-up returned (or replies_missed carried), as live.js adds them."""
        for post in posts:
            post_id = int(post["id"])
            if post_id not in self.log.live:
                self.log.caught_up.setdefault(post_id, now)
            self.last_id = max(self.last_id, post_id)


class SocketClient:
    """One client process's readers, driven by the parent over a pipe."""

    def __init__(self, conn: Connection, ports: list[int], specs: list[ReaderSpec]) -> None:
        self.conn = conn
        self.readers = [Reader(spec, ports) for spec in specs]
        self.stopping = False
        self.tasks: list[asyncio.Task[None]] = []
        self.requests: list[tuple[str, int, float, float]] = []  # kind, status, seconds, at
        self.changed = asyncio.Event()
        self.open_now = 0

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        # Catch-up GETs use http.client in threads: enough of them that a reconnect storm
        # is not queued behind a handful.
        loop.set_default_executor(ThreadPoolExecutor(max_workers=32))
        commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        loop.add_reader(self.conn.fileno(), lambda: commands.put_nowait(self.conn.recv()))
        while True:
            command = await commands.get()
            op = command["op"]
            if op == "start":
                reply = await self.start()
            elif op == "settle":
                reply = await self.settle(command["expected"], command["timeout"])
            elif op == "report":
                reply = self.report()
            elif op == "close":
                await self.close()
                self.conn.send({"closed": True})
                return
            else:
                reply = {"error": f"unknown op {op}"}
            # The event loop made the pipe non-blocking when it began watching it: a
            # report larger than the pipe's buffer must wait for the parent to read.
            os.set_blocking(self.conn.fileno(), True)
            self.conn.send(reply)

    async def start(self) -> dict[str, Any]:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        opened = [asyncio.Event() for _ in self.readers]
        for reader, event in zip(self.readers, opened, strict=True):
            self.tasks.append(asyncio.create_task(self.run_reader(reader, gate, event)))
        started = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 300)
        return {
            "opened": sum(1 for e in opened if e.is_set()),
            "seconds": time.monotonic() - started,
        }

    async def run_reader(
        self, reader: Reader, gate: asyncio.Semaphore, opened: asyncio.Event
    ) -> None:
        from websockets.asyncio.client import connect

        attempt = 0
        while not self.stopping:
            port = reader.ports[reader.port_index % len(reader.ports)]
            url = f"ws://{HOST}:{port}/ws/threads/{reader.spec.thread_id}/"
            try:
                async with gate:
                    socket = await connect(
                        url,
                        origin=f"http://{HOST}:{port}",
                        open_timeout=30,
                        ping_interval=None,  # a browser sends no protocol pings; the page does
                        max_queue=None,
                    )
            except Exception:
                reader.failed_connects += 1
            else:
                reader.socket = socket
                reader.connections += 1
                self.open_now += 1
                opened.set()
                began = time.monotonic()
                await self.listen(reader, socket, port)
                self.open_now -= 1
                reader.socket = None
                if self.stopping:
                    return
                reader.drops += 1
                if time.monotonic() - began > 5:
                    attempt = 0
            # As live.js: 1 s, 2 s, 4 s … 30 s (±30 %); a proxy would send the new
            # connection to any live server process, here the next one.
            reader.port_index += 1
            wait = min(30.0, 2.0**attempt) * random.uniform(0.7, 1.3)
            attempt += 1
            await asyncio.sleep(wait)

    async def listen(self, reader: Reader, socket: Any, port: int) -> None:
        heard = time.monotonic()
        reader.catching = asyncio.create_task(self.catch_up(reader, port, socket))

        async def ping() -> None:
            while True:
                await asyncio.sleep(25)
                if time.monotonic() - heard >= 60:
                    await socket.close()  # silent for a minute: treat it as dropped
                    return
                await socket.send('{"type":"ping"}')

        pinging = asyncio.create_task(ping())
        try:
            # A dropped socket ends the loop; the caller counts it.
            with contextlib.suppress(Exception):
                async for message in socket:
                    now = time.monotonic()
                    heard = now
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        event = json.loads(message)
                        if event.get("event") == "reply_posted":
                            post_id = int(event["post_id"])
                            reader.log.live.setdefault(post_id, now)
                            reader.last_id = max(reader.last_id, post_id)
                            self.changed.set()
                        elif event.get("event") == "replies_missed":
                            # As live.js: the server sends the replies it could not
                            # broadcast, and every later one, as a catch-up returns them.
                            posts = event["posts"]
                            reader.add_caught_up(posts, now)
                            self.changed.set()
                            if event["more"]:
                                last = posts[-1]["id"] if posts else event["after"]
                                reader.look_from(int(last))
                                self.nudged(reader, port, socket)
        finally:
            tasks = [task for task in (pinging, reader.catching) if task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def nudged(self, reader: Reader, port: int, socket: Any) -> None:
        if reader.catching is not None and not reader.catching.done():
            reader.catch_again = True
            return
        reader.catching = asyncio.create_task(self.catch_up(reader, port, socket))

    async def catch_up(self, reader: Reader, port: int, socket: Any) -> None:
        """GET ?after=<last id> until nothing more; on failure again after 5 s, while the
        socket is open (live.js does the same)."""
        while reader.socket is socket and not self.stopping:
            after = reader.last_id if reader.missed_after is None else reader.missed_after
            reader.missed_after = None
            path = f"/t/{reader.spec.thread_id}/posts/?after={after}"
            began = time.monotonic()
            status, body = await asyncio.to_thread(get_json, port, path)
            now = time.monotonic()
            self.requests.append(("catch-up", status, now - began, began))
            if status != 200 or body is None:
                reader.look_from(after)
                await asyncio.sleep(5)
                continue
            posts = body.get("posts", [])
            if body.get("more") and posts:
                reader.look_from(int(posts[-1]["id"]))
            reader.add_caught_up(posts, now)
            self.changed.set()
            if not body.get("more") and not reader.catch_again:
                return
            reader.catch_again = False

    async def settle(self, expected: dict[str, list[int]], timeout: float) -> dict[str, Any]:
        """Wait until every reader has every accepted reply of its thread (or the timeout)."""
        wanted = {int(thread): set(ids) for thread, ids in expected.items()}
        deadline = time.monotonic() + timeout

        def missing() -> int:
            return sum(
                1
                for reader in self.readers
                for post_id in wanted.get(reader.spec.thread_id, ())
                if post_id not in reader.log.live and post_id not in reader.log.caught_up
            )

        while time.monotonic() < deadline and missing():
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(1.0, deadline - time.monotonic()))
        return {"missing": missing()}

    def report(self) -> dict[str, Any]:
        return {
            "readers": [
                {
                    "thread_id": r.spec.thread_id,
                    "live": r.log.live,
                    "caught_up": r.log.caught_up,
                    "connections": r.connections,
                    "drops": r.drops,
                    "failed_connects": r.failed_connects,
                    "open": r.socket is not None,
                }
                for r in self.readers
            ],
            "requests": self.requests,
        }

    async def close(self) -> None:
        self.stopping = True
        sockets = [r.socket for r in self.readers if r.socket is not None]
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def get_json(port: int, path: str) -> tuple[int, dict[str, Any] | None]:
    conn = http.client.HTTPConnection(HOST, port, timeout=20)
    try:
        conn.request("GET", path, headers={"Accept": "application/json", "Connection": "close"})
        response = conn.getresponse()
        text = response.read()
        if response.status != 200:
            return response.status, None
        return 200, json.loads(text)
    except (OSError, http.client.HTTPException, ValueError):
        return 0, None
    finally:
        conn.close()


def client_main(conn: Connection, ports: list[int], specs: list[ReaderSpec]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    try:
        asyncio.run(SocketClient(conn, ports, specs).serve())
    finally:
        conn.close()


class ClientPool:
    """Client processes (spawned, not forked) and the pipes that drive them."""

    def __init__(self, groups: list[list[ReaderSpec]], ports: list[int]) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for specs in groups:
            ours, theirs = context.Pipe()
            process = context.Process(target=client_main, args=(theirs, ports, specs), daemon=True)
            process.start()
            theirs.close()
            self.pipes.append(ours)
            self.processes.append(process)

    def ask_all(self, command: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
        for pipe in self.pipes:
            pipe.send(command)
        answers = []
        deadline = time.monotonic() + timeout
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise RuntimeError("a client process did not answer in time")
            answers.append(pipe.recv())
        return answers

    def stop(self) -> None:
        stop_clients(self.pipes, self.processes)


# --- HTTP: browsing readers and posting members ------------------------------------------


@dataclass
class Request:
    kind: str  # home, category, thread, reply, catch-up
    status: int  # 0: the connection failed
    seconds: float
    at: float  # CLOCK_MONOTONIC when sent


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.accepted: list[AcceptedReply] = []
        self.refused: list[str] = []  # replies answered with neither a redirect nor a 5xx
        self.given_up: list[str] = []  # replies still failing after every resubmission

    def add(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)


class Browser:
    """One visitor's keep-alive connection and cookies; a proxy's failover on refusal."""

    def __init__(self, ports: list[int], first: int, alive: Callable[[int], bool]) -> None:
        self.ports = ports
        self.port_index = first
        self.alive = alive
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.conn_port = 0

    def port(self) -> int:
        for _ in range(len(self.ports)):
            port = self.ports[self.port_index % len(self.ports)]
            if self.alive(port):
                return port
            self.port_index += 1
        return self.ports[self.port_index % len(self.ports)]

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, *, port: int = 0
    ) -> tuple[int, dict[str, str], str]:
        """Status 0 when the connection failed; a stale keep-alive connection is retried
        once on a new one, as browsers do."""
        port = port or self.port()
        for attempt in (1, 2):
            if self.conn is None or self.conn_port != port:
                self.close()
                self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
                self.conn_port = port
                fresh = True
            else:
                fresh = False
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Origin"] = f"http://{HOST}:{port}"
                headers["Referer"] = f"http://{HOST}:{port}{path}"
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException):
                self.close()
                if fresh or attempt == 2:
                    self.port_index += 1  # the next request goes to another process
                    return 0, {}, ""
                continue
            if response.will_close:
                self.close()
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        return 0, {}, ""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Site:
    category_path: str
    hot_threads: list[int]
    other_threads: list[int]
    last_post_ids: dict[int, int]


def browse(
    site: Site,
    browser: Browser,
    recorder: Recorder,
    stop: threading.Event,
    think: tuple[float, float],
) -> None:
    rng = random.Random()
    stop.wait(rng.uniform(0, think[1]))  # readers arrive spread out, not all at once
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.2:
            kind, path = "home", "/"
        elif roll < 0.35:
            kind, path = "category", site.category_path
        elif roll < 0.85:
            kind, path = "thread", f"/t/{rng.choice(site.hot_threads)}/"
        else:
            kind, path = "thread", f"/t/{rng.choice(site.other_threads)}/"
        began = time.monotonic()
        status, _, _ = browser.request("GET", path)
        recorder.add(Request(kind, status, time.monotonic() - began, began))
        stop.wait(rng.uniform(*think))
    browser.close()


class Poster:
    """A signed-in member replying on the hot threads through the reply form."""

    def __init__(self, number: int, pseudonym: str, ports: list[int], alive: Callable[[int], bool]):
        self.number = number
        self.pseudonym = pseudonym
        self.browser = Browser(ports, number, alive)
        self.ports = ports
        self.alive = alive
        self.csrf = ""

    def sign_in(self, thread_id: int) -> None:
        status, _, text = self.browser.request("GET", "/login/")
        found = CSRF_INPUT.search(text)
        if status != 200 or not found:
            raise RuntimeError(f"GET /login/ answered {status} (or no CSRF token)")
        form = {"username": self.pseudonym, "password": PASSWORD}
        status, _, _ = self.browser.request(
            "POST", "/login/", {**form, "csrfmiddlewaretoken": found.group(1)}
        )
        if status != 302 or "sessionid" not in self.browser.cookies:
            raise RuntimeError(f"sign-in answered {status}, not a redirect with a session")
        # Signing in rotates the CSRF token: take the one the reply form carries now.
        status, _, text = self.browser.request("GET", f"/t/{thread_id}/reply/")
        found = CSRF_INPUT.search(text)
        if status != 200 or not found:
            raise RuntimeError(f"the reply form answered {status} (or no CSRF token)")
        self.csrf = found.group(1)

    def run(
        self,
        site: Site,
        run_id: str,
        recorder: Recorder,
        stop: threading.Event,
        think: tuple[float, float],
        double_share: float,
    ) -> None:
        rng = random.Random()
        count = 0
        stop.wait(rng.uniform(0, think[1]))
        while not stop.is_set():
            count += 1
            marker = f"soak-{run_id}-{self.number}-{count}"
            thread_id = rng.choice(site.hot_threads)
            form = {
                "body": f"{REPLY_BODY} [{marker}]",
                "quote": "",
                "submission_token": str(uuid.uuid4()),
                "csrfmiddlewaretoken": self.csrf,
            }
            if rng.random() < double_share:
                self.double_post(thread_id, marker, form, recorder)
            else:
                self.post(self.browser, thread_id, marker, form, recorder)
            stop.wait(rng.uniform(*think))
        self.browser.close()

    def post(
        self,
        browser: Browser,
        thread_id: int,
        marker: str,
        form: dict[str, str],
        recorder: Recorder,
        port: int = 0,
    ) -> None:
        """Send the form; on a 5xx or a failed connection send the same form again (its
        submission token makes that post once), as a member would press the button again."""
        for attempt in range(6):
            began = time.monotonic()
            status, headers, _ = browser.request(
                "POST", f"/t/{thread_id}/reply/", form, port=port if attempt == 0 else 0
            )
            answered = time.monotonic()
            recorder.add(Request("reply", status, answered - began, began))
            found = re.fullmatch(r"/p/(\d+)/", urlsplit(headers.get("location", "")).path)
            if status == 302 and found:
                reply = AcceptedReply(marker, thread_id, int(found.group(1)), answered)
                with recorder.lock:
                    recorder.accepted.append(reply)
                return
            if status and status < 500:
                with recorder.lock:
                    recorder.refused.append(f"{marker}: {status}")
                return
            time.sleep(1.0 + attempt)
        with recorder.lock:
            recorder.given_up.append(marker)

    def double_post(
        self, thread_id: int, marker: str, form: dict[str, str], recorder: Recorder
    ) -> None:
        """The same form twice at once, to two server processes (a double click that a
        proxy spreads over two replicas)."""
        second = Browser(self.ports, self.number + 1, self.alive)
        second.cookies = dict(self.browser.cookies)
        ports = [p for p in self.ports if self.alive(p)] or self.ports
        first_port = ports[self.number % len(ports)]
        other_port = ports[(self.number + 1) % len(ports)]
        twin = threading.Thread(
            target=self.post, args=(second, thread_id, marker, form, recorder, other_port)
        )
        twin.start()
        self.post(self.browser, thread_id, marker, form, recorder, first_port)
        twin.join(120)
        second.close()


# --- Setup -------------------------------------------------------------------------------


def ensure_database(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:  # an interrupted database fault may have left it closed
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        else:
            connection.execute(f'CREATE DATABASE "{name}"')
    return name


def seed_members(count: int, suffix: str) -> list[str]:
    from forum import actions
    from forum.models import TrustLevel

    pseudonyms = [f"Soak{suffix}M{number}" for number in range(count)]
    for pseudonym in pseudonyms:
        actions.register_member(
            pseudonym=pseudonym, password=PASSWORD, trust_level=TrustLevel.MEMBER
        )
    return pseudonyms


def fresh_connections() -> None:
    """Close this process's connections and their pool: the database fault terminates
    idle pooled connections, which the pool would otherwise hand out again."""
    from django.db import connections

    for connection in connections.all():
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


def seed_site(pseudonyms: list[str], hot: int, suffix: str) -> Site:
    from forum import actions
    from forum.models import Category, Member

    fresh_connections()  # a fault of the previous scenario may have cut them
    members = list(Member.objects.filter(pseudonym__in=pseudonyms))
    category = Category.objects.create(
        name=f"Soak {suffix}",
        slug=f"soak-{suffix}",
        description="Where the soak harness reads and posts.",
        position=0,
    )
    threads = []
    for number in range(hot + 20):
        thread = actions.start_thread(
            author=members[number % len(members)],
            category=category,
            title=f"Small steps, week {number + 1}",
            body="How did this week go? Share as much or as little as you like.",
        )
        for reply in range(3):
            actions.post_reply(
                author=members[(number + reply + 1) % len(members)],
                thread=thread,
                body=f"A calm reply, number {reply + 1}.",
            )
        threads.append(thread.pk)
    hot_threads = threads[:hot]
    from forum.models import Post

    last = {
        thread_id: Post.objects.filter(thread_id=thread_id)
        .order_by("-pk")
        .values_list("pk", flat=True)[0]
        for thread_id in hot_threads
    }
    fresh_connections()
    return Site(
        category_path=f"/c/{category.slug}/",
        hot_threads=hot_threads,
        other_threads=threads[hot:],
        last_post_ids=last,
    )


def stored_markers(database_url: str, run_id: str) -> dict[str, list[int]]:
    import psycopg

    found: dict[str, list[int]] = defaultdict(list)
    with psycopg.connect(database_url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT id, body FROM forum_post WHERE body LIKE %s ORDER BY id",
            (f"%[soak-{run_id}-%",),
        ).fetchall()
    for post_id, body in rows:
        for marker in MARKER.findall(body):
            found[marker].append(post_id)
    return dict(found)


def counters_that_disagree(database_url: str, thread_ids: list[int]) -> int:
    """Threads whose stored reply count is not their number of posts minus the opener: a
    write cut half-way would leave one (no replies are deleted or held in a soak)."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        row = connection.execute(
            "SELECT count(*) FROM forum_thread t WHERE t.id = ANY(%s) AND t.reply_count <>"
            " (SELECT count(*) - 1 FROM forum_post p WHERE p.thread_id = t.id)",
            (thread_ids,),
        ).fetchone()
    return int(row[0]) if row else 0


# --- Faults ------------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    began: float = 0.0
    ended: float = 0.0
    note: str = ""


def redis_up(port: int = 6379) -> bool:
    done = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return done.stdout.strip() == "PONG"


def start_redis(command: str) -> None:
    if redis_up():
        return
    subprocess.run(command, shell=True, timeout=20, check=False)  # noqa: S602 (the operator's own command)
    for _ in range(100):
        if redis_up():
            return
        time.sleep(0.1)
    raise RuntimeError("Redis did not come back: start it by hand")


def set_database_open(database_url: str, open_: bool) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(open_).lower()}')
        if not open_:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )


def inject(fault: Fault, args: argparse.Namespace, servers: list[Server], killed: set[int]) -> None:
    if fault.name == "redis":
        subprocess.run(
            ["redis-cli", "-p", "6379", "shutdown", "nosave"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        fault.began = time.monotonic()
        try:
            time.sleep(REDIS_OUTAGE_SECONDS)
        finally:
            start_redis(args.redis_start)
            fault.ended = time.monotonic()
        fault.note = f"Redis stopped for {fault.ended - fault.began:.1f} s"
    elif fault.name == "database":
        set_database_open(args.database_url, False)
        fault.began = time.monotonic()
        try:
            time.sleep(DATABASE_OUTAGE_SECONDS)
        finally:
            set_database_open(args.database_url, True)
            fault.ended = time.monotonic()
        fault.note = f"database refused for {fault.ended - fault.began:.1f} s"
    elif fault.name == "worker":
        victim = servers[0]
        assert victim.process is not None
        killed.add(victim.port)
        os.kill(victim.process.pid, signal.SIGKILL)
        fault.began = time.monotonic()
        fault.ended = fault.began + WORKER_FAULT_WINDOW_SECONDS
        fault.note = f"server process on port {victim.port} SIGKILLed, not restarted"


# --- One scenario ------------------------------------------------------------------------


@dataclass
class Scenario:
    fault: Fault
    duration: float
    servers: int
    load_started: float
    load_ended: float
    requests: list[Request]
    accounting: Accounting
    refused: list[str]
    given_up: list[str]
    catch_up: list[float]
    rss_kb: list[tuple[str, int]]
    readers: int
    readers_opened: int
    reader_connections: int
    reader_drops: int
    reader_failed_connects: int
    readers_open_at_end: int
    settle_missing: int
    counters_wrong: int
    busiest: float
    errors_logged: dict[int, int] = field(default_factory=dict)


def run_scenario(
    args: argparse.Namespace,
    env: dict[str, str],
    tmp: Path,
    pseudonyms: list[str],
    fault_name: str,
) -> Scenario:
    # Letters only: a run of digits in a post can look like a phone number to screening.
    suffix = "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    run_id = suffix
    say(f"[{fault_name}] seeding {args.hot_threads} hot threads and 20 others")
    site = seed_site(pseudonyms, args.hot_threads, suffix)
    flush_redis(args.redis_url)
    servers = [
        Server(env=env, workers=1, access_log=False, log=tmp / f"uvicorn-{number}.log")
        for number in range(args.servers)
    ]
    for server in servers:
        server.command += ["--ws-per-message-deflate", "false"]  # as production serves
    killed: set[int] = set()
    fault = Fault(fault_name)
    pool: ClientPool | None = None
    stop = threading.Event()
    busiest = load_average()
    try:
        for server in servers:
            server.start()
        ports = [server.port for server in servers]
        say(f"[{fault_name}] serving on ports {ports}; signing in {len(pseudonyms)} members")

        def alive(port: int) -> bool:
            return port not in killed

        posters = [Poster(n, name, ports, alive) for n, name in enumerate(pseudonyms)]
        for poster in posters:
            poster.sign_in(site.hot_threads[0])

        specs = [
            ReaderSpec(
                index=n,
                thread_id=site.hot_threads[n % len(site.hot_threads)],
                last_post_id=site.last_post_ids[site.hot_threads[n % len(site.hot_threads)]],
                first_port=n % len(ports),
            )
            for n in range(args.sockets)
        ]
        clients = max(1, -(-args.sockets // SOCKETS_PER_CLIENT))
        groups = [specs[n::clients] for n in range(clients)]
        say(f"[{fault_name}] opening {args.sockets} sockets from {clients} client processes")
        pool = ClientPool(groups, ports)
        opened = pool.ask_all({"op": "start"}, 330)
        readers_opened = sum(answer["opened"] for answer in opened)
        time.sleep(3)  # the 'reading now' updates and the first catch-ups settle
        rss: list[tuple[str, int]] = [("start", rss_kb([p for s in servers for p in s.pids()]))]

        recorder = Recorder()
        think = (args.think_min, args.think_max)
        workers = [
            threading.Thread(
                target=browse,
                args=(site, Browser(ports, n, alive), recorder, stop, think),
                daemon=True,
            )
            for n in range(args.browsers)
        ]
        workers += [
            threading.Thread(
                target=poster.run,
                args=(
                    site,
                    run_id,
                    recorder,
                    stop,
                    (args.post_think_min, args.post_think_max),
                    args.double_post,
                ),
                daemon=True,
            )
            for poster in posters
        ]
        say(
            f"[{fault_name}] load for {args.duration} s: {args.browsers} browsing,"
            f" {len(posters)} posting, {readers_opened} sockets"
        )
        load_started = time.monotonic()
        for worker in workers:
            worker.start()
        fault_at = (
            load_started
            + args.duration / 2
            - {
                "redis": REDIS_OUTAGE_SECONDS / 2,
                "database": DATABASE_OUTAGE_SECONDS / 2,
            }.get(fault_name, 0.0)
        )
        fault_thread: threading.Thread | None = None
        minute_taken = False
        while time.monotonic() - load_started < args.duration:
            now = time.monotonic()
            if fault_name != "none" and fault_thread is None and now >= fault_at:
                say(f"[{fault_name}] injecting the fault")
                fault_thread = threading.Thread(
                    target=inject, args=(fault, args, servers, killed), daemon=True
                )
                fault_thread.start()
            if not minute_taken and args.duration >= 120 and now - load_started >= 60:
                rss.append(("1 min", rss_kb([p for s in servers for p in s.pids()])))
                minute_taken = True
            busiest = max(busiest, load_average())
            time.sleep(0.5)
        load_ended = time.monotonic()
        rss.append(("end", rss_kb([p for s in servers for p in s.pids()])))
        stop.set()
        if fault_thread is not None:
            fault_thread.join(60)
        for worker in workers:
            worker.join(90)
        say(f"[{fault_name}] load over; readers settle (≤ {SETTLE_SECONDS:.0f} s)")
        expected: dict[str, list[int]] = defaultdict(list)
        for reply in recorder.accepted:
            expected[str(reply.thread_id)].append(reply.post_id)
        settled = pool.ask_all(
            {"op": "settle", "expected": dict(expected), "timeout": SETTLE_SECONDS},
            SETTLE_SECONDS + 30,
        )
        reports = pool.ask_all({"op": "report"}, 60)
    finally:
        stop.set()
        if pool is not None:
            pool.stop()
        for server in servers:
            server.stop()
            if args.keep_logs and server.log.exists():
                Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
                kept = Path(args.keep_logs) / f"{fault_name}-{run_id}-{server.log.name}"
                shutil.copy(server.log, kept)
        if fault_name == "redis":
            start_redis(args.redis_start)
        if fault_name == "database":
            set_database_open(args.database_url, True)

    logs: list[ReaderLog] = []
    connections = drops = open_at_end = failed_connects = 0
    requests = list(recorder.requests)
    for answer in reports:
        for reader in answer["readers"]:
            logs.append(
                ReaderLog(
                    thread_id=reader["thread_id"],
                    live=reader["live"],
                    caught_up=reader["caught_up"],
                )
            )
            connections += reader["connections"]
            drops += reader["drops"]
            failed_connects += reader["failed_connects"]
            open_at_end += 1 if reader["open"] else 0
        requests += [Request(*request) for request in answer["requests"]]
    stored = stored_markers(args.database_url, run_id)
    accounting = account(recorder.accepted, stored, logs)
    lags: list[float] = []
    if fault.name != "none" and fault.began:
        lags = catch_up_seconds(recorder.accepted, logs, since=fault.began, until=fault.ended)
    errors_logged = {
        server.port: server.log.read_text(errors="replace").count("Traceback")
        for server in servers
        if server.log.exists()
    }
    return Scenario(
        fault=fault,
        duration=args.duration,
        servers=args.servers,
        load_started=load_started,
        load_ended=load_ended,
        requests=requests,
        accounting=accounting,
        refused=recorder.refused,
        given_up=recorder.given_up,
        catch_up=lags,
        rss_kb=rss,
        readers=args.sockets,
        readers_opened=readers_opened,
        reader_connections=connections,
        reader_drops=drops,
        reader_failed_connects=failed_connects,
        readers_open_at_end=open_at_end,
        settle_missing=sum(answer["missing"] for answer in settled),
        counters_wrong=counters_that_disagree(args.database_url, site.hot_threads),
        busiest=busiest,
        errors_logged=errors_logged,
    )


# --- The table ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def server_errors(s: Scenario) -> tuple[list[Request], list[Request]]:
    """The 5xx answers outside the injected database outage, and those within it: the
    requests under way at any moment from the cut until 10 s after it was over."""
    errors = [r for r in s.requests if r.status >= 500]
    if s.fault.name != "database" or not s.fault.began:
        return errors, []
    began, ended = s.fault.began, s.fault.ended + 10
    within = [r for r in errors if r.at <= ended and r.at + r.seconds >= began]
    return [r for r in errors if r not in within], within


def print_scenario(s: Scenario, args: argparse.Namespace) -> None:
    a = s.accounting
    window = s.load_ended - s.load_started
    during_load = [r for r in s.requests if s.load_started <= r.at <= s.load_ended]
    outside, within = server_errors(s)
    failed = [r for r in s.requests if r.status == 0]
    rows: list[list[str]] = [
        ["requests/s (all HTTP, during the load)", f"{len(during_load) / window:.1f}", "", ""],
    ]
    for kind in ("home", "category", "thread", "reply", "catch-up"):
        times = [r.seconds * 1000 for r in s.requests if r.kind == kind and 0 < r.status < 500]
        rows.append(
            [
                f"{kind} p50 / p99 (ms), n",
                f"{percentile(times, 0.5):.0f} / {percentile(times, 0.99):.0f}, {len(times)}",
                "",
                "",
            ]
        )
    rows += [
        [
            "5xx responses outside the injected outage",
            str(len(outside)),
            "0",
            verdict(not outside),
        ],
    ]
    if s.fault.name == "database":
        rows.append(["5xx during the database outage (+10 s)", str(len(within)), "", ""])
        last_bad = max((r.at + r.seconds for r in [*outside, *within, *failed]), default=0.0)
        rows.append(
            [
                "last failed answer after the database returned (s)",
                f"{max(0.0, last_bad - s.fault.ended):.1f}",
                "",
                "",
            ]
        )
    rows += [
        ["failed connections (retried elsewhere)", str(len(failed)), "", ""],
        [
            "accepted replies (forms sent twice)",
            f"{a.accepted} ({a.double_posts})",
            "",
            "",
        ],
        ["lost replies", str(len(a.lost)), "0", verdict(not a.lost)],
        [
            "duplicate replies (stored twice / double post split)",
            f"{len(a.duplicated)} / {len(a.split)}",
            "0",
            verdict(not a.duplicated and not a.split),
        ],
        [
            "replies refused / given up after 6 tries / stored but unanswered",
            f"{len(s.refused)} / {len(s.given_up)} / {len(a.unacknowledged)}",
            "",
            "",
        ],
        [
            "threads whose reply count disagrees with their posts",
            str(s.counters_wrong),
            "0",
            verdict(not s.counters_wrong),
        ],
        [
            "deliveries expected: live / caught up / missing",
            f"{a.deliveries_expected:,}: {a.delivered_live:,} / {a.caught_up_only:,} /"
            f" {a.missing_deliveries:,}",
            "0 missing",
            verdict(not a.missing_deliveries),
        ],
        [
            "fan-out accepted → socket p50 / p99 (ms)",
            f"{percentile(a.fanout_ms, 0.5):.0f} / {percentile(a.fanout_ms, 0.99):.0f}",
            "",
            "",
        ],
        [
            "sockets opened / reconnections (failed attempts) / open at the end",
            f"{s.readers_opened:,} of {s.readers:,} / {s.reader_connections - s.readers_opened:,}"
            f" ({s.reader_failed_connects:,}) / {s.readers_open_at_end:,}",
            "",
            "",
        ],
    ]
    if s.catch_up:
        worst = max(s.catch_up)
        rows.append(
            [
                "readers had the fault's replies, after it ended: p99 / max (s)",
                f"{percentile(s.catch_up, 0.99):.1f} / {worst:.1f}",
                f"≤ {TARGET_CATCH_UP_SECONDS:g}",
                verdict(worst <= TARGET_CATCH_UP_SECONDS),
            ]
        )
    memory = " → ".join(f"{kb / 1024:.0f} MB ({label})" for label, kb in s.rss_kb)
    rows.append(["server RSS, all processes", memory, "", ""])
    minute = dict(s.rss_kb).get("1 min")
    if minute:
        growth = (dict(s.rss_kb)["end"] - minute) / minute
        rows.append(
            [
                "memory growth, minute 1 → end",
                f"{growth * 100:+.1f} %",
                f"≤ {TARGET_MEMORY_GROWTH * 100:g} %",
                verdict(abs(growth) <= TARGET_MEMORY_GROWTH),
            ]
        )
    header = ["figure", "measured", "target", ""]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    title = {
        "none": "clean run",
        "redis": "Redis stopped",
        "database": "database cut",
        "worker": "a web process killed",
    }[s.fault.name]
    print(
        f"\nOwn Pace soak · {title} · {s.duration:.0f} s · {s.servers} uvicorn processes"
        f" (--workers 1), PostgreSQL, Redis pub/sub layer · {args.browsers} browsing,"
        f" {args.posters} posting, {s.readers:,} sockets on {args.hot_threads} threads ·"
        f" {os.cpu_count()} CPUs shared with the clients, load average up to {s.busiest:.1f}",
        flush=True,
    )
    print(line(header))
    print(line(["-" * width for width in widths]))
    for row in rows:
        print(line(row))
    notes = []
    if s.fault.note:
        notes.append(
            f"Fault: {s.fault.note}, {s.fault.began - s.load_started:.1f} s into the load."
        )
    if s.settle_missing:
        notes.append(
            f"After {SETTLE_SECONDS:.0f} s of settling,"
            f" {s.settle_missing} deliveries were still missing."
        )
    if a.lost:
        notes.append(f"Lost: {', '.join(a.lost[:5])}")
    if a.duplicated or a.split:
        notes.append(f"Duplicated: {', '.join([*a.duplicated, *a.split][:5])}")
    statuses: dict[str, int] = defaultdict(int)
    for r in s.requests:
        if r.status >= 500 or r.status == 0:
            statuses[f"{r.kind} {r.status or 'no answer'}"] += 1
    if statuses:
        notes.append("Failures: " + ", ".join(f"{k} ×{v}" for k, v in sorted(statuses.items())))
    if s.refused:
        notes.append(f"Refused: {'; '.join(s.refused[:3])}")
    tracebacks = {port: n for port, n in s.errors_logged.items() if n}
    if tracebacks:
        notes.append(f"Tracebacks in the server logs (port: count): {tracebacks}")
    for note in notes:
        print(f"- {note}")


# --- Several runs: one table of medians ----------------------------------------------------

TITLES = {
    "none": "clean",
    "redis": "Redis stopped",
    "database": "database cut",
    "worker": "process killed",
}


def _latency(s: Scenario, kind: str, share: float) -> float:
    times = [r.seconds * 1000 for r in s.requests if r.kind == kind and 0 < r.status < 500]
    return percentile(times, share) if times else math.nan


def summary_figures(s: Scenario) -> dict[str, float]:
    """The figures a summary shows, as numbers (NaN where the scenario has none)."""
    a = s.accounting
    window = s.load_ended - s.load_started
    outside, within = server_errors(s)
    rss = dict(s.rss_kb)
    return {
        "load average, up to": s.busiest,
        "requests/s": sum(s.load_started <= r.at <= s.load_ended for r in s.requests) / window,
        "thread page p50 (ms)": _latency(s, "thread", 0.5),
        "thread page p99 (ms)": _latency(s, "thread", 0.99),
        "reply POST p50 (ms)": _latency(s, "reply", 0.5),
        "reply POST p99 (ms)": _latency(s, "reply", 0.99),
        "catch-up GETs": sum(r.kind == "catch-up" for r in s.requests),
        "5xx outside the outage": len(outside),
        "5xx during the database outage (+10 s)": len(within)
        if s.fault.name == "database"
        else math.nan,
        "accepted replies": a.accepted,
        "lost replies": len(a.lost),
        "duplicate replies": len(a.duplicated) + len(a.split),
        "deliveries missing": a.missing_deliveries,
        "fan-out p99 (ms)": percentile(a.fanout_ms, 0.99) if a.fanout_ms else math.nan,
        "socket reconnections": s.reader_connections - s.readers_opened,
        "fault's replies had by every reader, max s after": max(s.catch_up)
        if s.catch_up
        else math.nan,
        "server RSS at the end (MB)": rss["end"] / 1024 if "end" in rss else math.nan,
    }


# Counts whose target is zero: the worst run is shown, not the median.
WORST_OF_RUNS = {
    "5xx outside the outage",
    "lost replies",
    "duplicate replies",
    "deliveries missing",
}


def summary_cell(values: list[float], worst: bool) -> str:
    values = [value for value in values if not math.isnan(value)]
    if not values:
        return ""
    digits = 0 if all(float(value).is_integer() for value in values) or max(values) >= 100 else 1
    if worst:
        return f"{max(values):.{digits}f}"
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:.{digits}f}"
    return f"{middle:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def print_summary(results: dict[str, list[Scenario]]) -> None:
    """One column per scenario: the median of its runs (lowest–highest), or, for the
    counts that must stay at zero, the worst run."""
    runs = {len(scenarios) for scenarios in results.values()}
    figures = {
        fault: [summary_figures(s) for s in scenarios] for fault, scenarios in results.items()
    }
    names = list(next(iter(figures.values()))[0])
    header = ["figure", *(f"{TITLES[fault]} ×{len(results[fault])}" for fault in results)]
    rows = [
        [
            f"{name} (worst run)" if name in WORST_OF_RUNS else name,
            *(
                summary_cell([run[name] for run in figures[fault]], name in WORST_OF_RUNS)
                for fault in results
            ),
        ]
        for name in names
    ]
    rows = [row for row in rows if any(row[1:])]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(f"\nOwn Pace soak · summary of {'/'.join(map(str, sorted(runs)))} runs per scenario")
    print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header)).rstrip())
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (60)")
    parser.add_argument(
        "--runs", type=int, default=1, help="runs of each scenario, then a table of medians (1)"
    )
    parser.add_argument(
        "--faults",
        default="none",
        help=f"comma-separated scenarios, one run each, from {', '.join(FAULTS)} (none)",
    )
    parser.add_argument("--browsers", type=int, default=200, help="browsing readers (200)")
    parser.add_argument("--posters", type=int, default=20, help="members posting (20)")
    parser.add_argument("--sockets", type=int, default=1000, help="WebSocket readers (1000)")
    parser.add_argument("--hot-threads", type=int, default=10, help="threads they read (10)")
    parser.add_argument("--servers", type=int, default=3, help="uvicorn processes (3)")
    parser.add_argument("--think-min", type=float, default=1.0, help="browsing pause, min s")
    parser.add_argument("--think-max", type=float, default=5.0, help="browsing pause, max s")
    parser.add_argument("--post-think-min", type=float, default=4.0, help="pause between replies")
    parser.add_argument("--post-think-max", type=float, default=12.0, help="… max s")
    parser.add_argument(
        "--double-post", type=float, default=0.05, help="share of forms sent twice (0.05)"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help=f"a PostgreSQL database it may create, migrate and seed ({DEFAULT_DATABASE})",
    )
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS,
        help=f"Redis for the layer and cache; its database is FLUSHED ({DEFAULT_REDIS})",
    )
    parser.add_argument(
        "--redis-start",
        default=DEFAULT_REDIS_START,
        help="the command that starts this machine's Redis again after the redis fault",
    )
    parser.add_argument(
        "--keep-logs", metavar="DIR", help="copy the servers' logs into DIR on the way out"
    )
    args = parser.parse_args()
    args.faults = [part.strip() for part in args.faults.split(",") if part.strip()]
    if not args.faults or any(name not in FAULTS for name in args.faults):
        parser.error(f"--faults takes {', '.join(FAULTS)}")
    limits = {
        "duration": 3600,
        "runs": 10,
        "browsers": 2000,
        "posters": 200,
        "sockets": 10_000,
        "hot_threads": 100,
        "servers": 8,
    }
    for name, most in limits.items():
        if not 1 <= getattr(args, name) <= most:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and {most}")
    if "worker" in args.faults and args.servers < 2:
        parser.error("the worker fault needs --servers 2 or more")
    if not 0 <= args.double_post <= 1 or not 0 < args.think_min <= args.think_max:
        parser.error("--double-post is a share; think times must be positive and ordered")
    return args


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _interrupted)
    try:
        with temporary_directory() as tmp:
            ensure_database(args.database_url)
            env = prepare(tmp, args.database_url)
            env.update(REDIS_URL=args.redis_url, RATE_LIMITS="off")
            os.environ.update(env)
            sys.path[:0] = [str(tmp), str(BASE_DIR)]
            say(f"migrating {args.database_url}; collecting static files")
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "collectstatic", "--no-input", "-v", "0")
            import django

            django.setup()
            pseudonyms = seed_members(args.posters, secrets.token_hex(3))
            results: dict[str, list[Scenario]] = {}
            for fault in args.faults:
                for _ in range(args.runs):
                    scenario = run_scenario(args, env, tmp, pseudonyms, fault)
                    print_scenario(scenario, args)
                    results.setdefault(fault, []).append(scenario)
            if args.runs > 1:
                print_summary(results)
    except KeyboardInterrupt:
        print("interrupted: the processes it started are stopped", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"soak failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
