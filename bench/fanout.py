"""Benchmark of Own Pace's live threads: how fast a reply reaches every open page.

Serves the site the production way (uvicorn with the project's ASGI app, DEBUG off, the
Redis channel layer, PostgreSQL when it answers), opens N WebSocket readers on one thread
(100 and 1,000 by default) spread over several client processes, signs a member in over
HTTP (a real sign-in with CSRF) and posts replies as that member. It measures, from the
moment the POST's response has arrived to the moment the last reader has the reply: p50,
p99 and max over several replies; the deliveries per second of a burst of replies posted
in quick succession; and the server's memory per idle connection (resident memory of the
server processes before and after the sockets open, divided by N). One table, each figure
beside its target.

    cd /work/main && .venv/bin/python bench/fanout.py            # 100 and 1,000 readers
    .venv/bin/python bench/fanout.py --quick                      # 100 readers, fewer replies
    .venv/bin/python bench/fanout.py --readers 1000 --clients 8 --workers 2

Clocks: every timestamp (the POST's response here, each receipt in each client process)
is time.monotonic(), which on Linux is CLOCK_MONOTONIC: one clock for every process on
the host, unaffected by changes to the wall clock, with nanosecond resolution. The
clients and the server run on this host, so the times compare directly.

Everything it starts (uvicorn, the client processes) is stopped on the way out, also on
Ctrl+C or an error. Connections go to 127.0.0.1 only. See bench/README.md.
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
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # the page benchmark's server and setup helpers
    BASE_DIR,
    HOST,
    Server,
    cpu_seconds,
    load_average,
    manage,
    percentile,
    prepare,
    say,
    temporary_directory,
)

# Targets (from issue 3). The latency target depends on the number of readers.
TARGET_P99_MS = {100: 30.0, 1000: 100.0}
TARGET_DELIVERIES_PER_S = 20_000.0
TARGET_KB_PER_CONNECTION = 50.0

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/ownpace_fanout_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PASSWORD = "fan-out-bench-" + secrets.token_urlsafe(12)
SOCKETS_PER_CLIENT = 250  # readers per client process when --clients is not given
CONNECT_CONCURRENCY = 25  # handshakes in flight per client process
REPLY_BODY = (
    "Thank you for writing this down. I read it twice and it helped: *slowly* is still "
    "moving, and the small steps count. Sending you a calm evening."
)


def target_p99(readers: int) -> float | None:
    if readers in TARGET_P99_MS:
        return TARGET_P99_MS[readers]
    return None


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


# --- Client processes: N/K sockets each, receipt times on CLOCK_MONOTONIC --------------


def client_main(conn: Connection, url: str, origin: str) -> None:
    """Entry point of a client process: serve the parent's commands until "close"."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    try:
        asyncio.run(Client(conn, url, origin).serve())
    finally:
        conn.close()


class Client:
    def __init__(self, conn: Connection, url: str, origin: str) -> None:
        self.conn = conn
        self.url = url
        self.origin = origin
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.got: dict[int, list[float]] = {}
        self.other_messages = 0
        self.last_message = time.monotonic()
        self.closed_early = 0
        self.drop_reason = ""
        self.changed = asyncio.Event()

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        loop.add_reader(self.conn.fileno(), lambda: commands.put_nowait(self.conn.recv()))
        while True:
            command = await commands.get()
            op = command["op"]
            if op == "connect":
                reply = await self.connect(command["count"])
            elif op == "quiet":
                reply = await self.quiet(command["seconds"], command["timeout"])
            elif op == "wait":
                reply = await self.wait(command["post_ids"], command["timeout"])
            elif op == "close":
                await self.close()
                self.conn.send({"closed": True})
                return
            else:
                reply = {"error": f"unknown op {op}"}
            self.conn.send(reply)

    async def connect(self, count: int) -> dict[str, Any]:
        from websockets.asyncio.client import connect

        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        errors: list[str] = []

        async def one() -> None:
            async with gate:
                try:
                    # Like a browser: the page's Origin, permessage-deflate offered.
                    socket = await connect(
                        self.url, origin=self.origin, open_timeout=60, max_queue=None
                    )
                except Exception as error:  # reported, not raised
                    errors.append(f"{type(error).__name__}: {error}"[:200])
                    return
                self.sockets.append(socket)
                self.tasks.append(asyncio.create_task(self.listen(socket)))

        started = time.monotonic()
        await asyncio.gather(*(one() for _ in range(count)))
        return {
            "connected": len(self.sockets),
            "failed": len(errors),
            "errors": errors[:3],
            "seconds": time.monotonic() - started,
        }

    async def listen(self, socket: Any) -> None:
        try:
            async for message in socket:
                now = time.monotonic()
                self.last_message = now
                try:
                    event = json.loads(message)
                except ValueError:
                    self.other_messages += 1
                    continue
                if event.get("event") == "reply_posted":
                    self.got.setdefault(int(event["post_id"]), []).append(now)
                    self.changed.set()
                else:
                    self.other_messages += 1
        except Exception as error:  # a dropped socket is counted, not raised
            self.drop_reason = f"{type(error).__name__}: {error}"[:200]
        self.closed_early += 1

    async def quiet(self, seconds: float, timeout: float) -> dict[str, Any]:
        """Wait until no message arrived for `seconds` (the readers-count storm is over)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_message >= seconds:
                break
            await asyncio.sleep(0.05)
        return {"other_messages": self.other_messages, "closed_early": self.closed_early}

    async def wait(self, post_ids: list[int], timeout: float) -> dict[str, Any]:
        """Wait until every open socket has each of these replies (or the timeout)."""
        deadline = time.monotonic() + timeout
        expected = len(self.sockets) - self.closed_early
        while time.monotonic() < deadline:
            if all(len(self.got.get(post_id, ())) >= expected for post_id in post_ids):
                break
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), max(0.0, deadline - time.monotonic()))
        return {
            "expected": expected,
            "posts": {post_id: self.got.get(post_id, []) for post_id in post_ids},
            "closed_early": self.closed_early,
        }

    async def close(self) -> None:
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def stop_clients(
    pipes: list[Connection], processes: list[multiprocessing.process.BaseProcess]
) -> None:
    """Ask each client process to close its sockets and end; kill one that does not."""
    for pipe in pipes:
        with contextlib.suppress(OSError, BrokenPipeError):
            pipe.send({"op": "close"})
    for pipe, process in zip(pipes, processes, strict=True):
        with contextlib.suppress(OSError, EOFError):
            if pipe.poll(20):
                pipe.recv()
        process.join(10)
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.join(5)
        pipe.close()


class ClientPool:
    """K client processes (spawned, not forked) and the pipes that drive them."""

    def __init__(self, processes: int, url: str, origin: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for _ in range(processes):
            ours, theirs = context.Pipe()
            process = context.Process(target=client_main, args=(theirs, url, origin), daemon=True)
            process.start()
            theirs.close()
            self.pipes.append(ours)
            self.processes.append(process)

    def ask(self, commands: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError("a client process did not answer in time")
            answers.append(pipe.recv())
        return answers

    def ask_all(self, command: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
        return self.ask([command] * len(self.pipes), timeout)

    def stop(self) -> None:
        stop_clients(self.pipes, self.processes)


# --- HTTP: a signed-in member posting with CSRF -----------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class Member:
    """A browser-like HTTP session: cookies, the CSRF token, keep-alive connections."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        conn: http.client.HTTPConnection | None = None,
    ) -> tuple[int, dict[str, str], str]:
        own = conn is None
        conn = conn or http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            if own:
                conn.close()
        with self.lock:
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        found = CSRF_INPUT.search(text)
        if found:
            self.csrf = found.group(1)
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def sign_in(self, pseudonym: str, password: str) -> None:
        status, _, _ = self.request("GET", "/login/")
        if status != 200 or not self.csrf:
            raise RuntimeError(f"GET /login/ answered {status} (or no CSRF token)")
        form = {"username": pseudonym, "password": password, "csrfmiddlewaretoken": self.csrf}
        status, _, _ = self.request("POST", "/login/", form)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in answered {status}, not a redirect with a session")

    def open_reply_form(self, thread_id: int) -> None:
        # Signing in rotates the CSRF token: take the one the reply form carries now.
        status, _, _ = self.request("GET", f"/t/{thread_id}/reply/")
        if status != 200 or not self.csrf:
            raise RuntimeError(f"the reply form answered {status} (or no CSRF token)")

    def post_reply(
        self, thread_id: int, body: str, conn: http.client.HTTPConnection
    ) -> tuple[int, float, float]:
        """POST one reply; its id, and CLOCK_MONOTONIC when sent and when answered."""
        form = {
            "body": body,
            "quote": "",
            "submission_token": str(uuid.uuid4()),
            "csrfmiddlewaretoken": self.csrf,
        }
        for attempt in (1, 2):
            sent = time.monotonic()
            try:
                status, headers, _ = self.request("POST", f"/t/{thread_id}/reply/", form, conn)
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # uvicorn closes a keep-alive connection idle for 5 s: connect again and
                # send the same form (its submission token makes the retry post once).
                conn.close()
                if attempt == 2:
                    raise
        answered = time.monotonic()
        found = re.fullmatch(r"/p/(\d+)/", urlsplit(headers.get("location", "")).path)
        if status != 302 or not found:
            raise RuntimeError(
                f"posting a reply answered {status} → {headers.get('location')!r}"
                " (held for review? rate-limited?)"
            )
        return int(found.group(1)), sent, answered


# --- Setup: database, Redis, the member and the thread ----------------------------------


def database_url_for(args: argparse.Namespace, tmp: Path) -> tuple[str, str]:
    """The database to use and a line saying which: PostgreSQL when it answers."""
    if args.sqlite:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", "SQLite (asked for)"
    url = args.database_url
    try:
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        admin = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
        return url, f"PostgreSQL ({name})"
    except Exception as error:  # fall back, and say so
        say(f"PostgreSQL unreachable ({type(error).__name__}): using SQLite")
        return f"sqlite:///{tmp / 'bench.sqlite3'}", "SQLite (PostgreSQL unreachable)"


def flush_redis(url: str) -> None:
    """Empty the benchmark's own Redis database (its number is in the URL)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.ping()
        client.flushdb()
    finally:
        client.close()


@dataclass
class Seeded:
    thread_id: int
    pseudonym: str
    how_registered: str


def seed() -> Seeded:
    from forum import actions
    from forum.models import Category

    pseudonym = f"FanOut{secrets.token_hex(3)}"
    how = "register_member(trust_level=MEMBER)"
    try:
        from forum.models import TrustLevel

        member = actions.register_member(
            pseudonym=pseudonym, password=PASSWORD, trust_level=TrustLevel.MEMBER
        )[0]
    except (ImportError, TypeError):
        member = actions.register_member(pseudonym=pseudonym, password=PASSWORD)[0]
        how = "register_member (no trust_level keyword yet)"
    suffix = secrets.token_hex(3)
    category = Category.objects.create(
        name=f"Fan-out bench {suffix}",
        slug=f"fanout-{suffix}",
        description="Where the fan-out benchmark posts.",
        position=0,
    )
    thread = actions.start_thread(
        author=member,
        category=category,
        title="Small wins thread (fan-out benchmark)",
        body="Post your small wins here, at your own pace.",
    )
    return Seeded(thread_id=thread.pk, pseudonym=pseudonym, how_registered=how)


# --- One measurement: N readers on a fresh server ----------------------------------------


@dataclass
class Round:
    readers: int
    connected: int
    clients: int
    workers_seen: int
    connect_seconds: float
    quiet_seconds: float
    readers_messages: int  # "N reading now" updates the readers received while connecting
    rss_before_kb: int
    rss_after_kb: int
    latencies_ms: list[float] = field(default_factory=list)  # response → last reader
    from_send_ms: list[float] = field(default_factory=list)  # request sent → last reader
    post_ms: list[float] = field(default_factory=list)  # the POST's own round trip
    spread_ms: list[float] = field(default_factory=list)  # first reader → last reader
    missing: int = 0
    burst_posts: int = 0
    burst_deliveries: int = 0
    burst_expected: int = 0
    burst_seconds: float = 0.0  # first delivery → last delivery
    burst_post_seconds: float = 0.0  # first POST sent → last POST answered
    burst_cpu_ms_per_delivery: float = float("nan")
    closed_early: int = 0

    @property
    def kb_per_connection(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / max(self.connected, 1)

    @property
    def deliveries_per_second(self) -> float:
        return self.burst_deliveries / self.burst_seconds if self.burst_seconds else 0.0


def warm_up(server: Server, thread_id: int) -> None:
    """Load every code path once (page, sockets, the layer) before memory is measured."""
    pool = ClientPool(1, socket_url(server.port, thread_id), f"http://{HOST}:{server.port}")
    try:
        pool.ask_all({"op": "connect", "count": 5}, 60)
        pool.ask_all({"op": "quiet", "seconds": 0.5, "timeout": 10}, 20)
    finally:
        pool.stop()
    time.sleep(1.0)


def socket_url(port: int, thread_id: int) -> str:
    return f"ws://{HOST}:{port}/ws/threads/{thread_id}/"


def measure(
    args: argparse.Namespace, env: dict[str, str], tmp: Path, seeded: Seeded, readers: int
) -> Round:
    clients = args.clients or max(1, math.ceil(readers / SOCKETS_PER_CLIENT))
    clients = min(clients, readers)
    flush_redis(env["REDIS_URL"])
    server = Server(env=env, workers=args.workers, access_log=False, log=tmp / "uvicorn.log")
    # As production serves (Dockerfile, docker-compose.yml): no permessage-deflate.
    server.command += ["--ws-per-message-deflate", "true" if args.deflate else "false"]
    pool: ClientPool | None = None
    try:
        say(f"{readers} readers: serving with uvicorn {' '.join(server.command[3:])}")
        server.start()
        origin = f"http://{HOST}:{server.port}"
        member = Member(server.port)
        member.sign_in(seeded.pseudonym, PASSWORD)
        member.open_reply_form(seeded.thread_id)
        warm_up(server, seeded.thread_id)
        pids = server.pids()
        workers_seen = max(1, len(server.worker_pids()))
        before = rss_kb(pids)

        pool = ClientPool(clients, socket_url(server.port, seeded.thread_id), origin)
        shares = [readers // clients + (1 if i < readers % clients else 0) for i in range(clients)]
        say(f"{readers} readers: connecting over {clients} client processes")
        started = time.monotonic()
        answers = pool.ask([{"op": "connect", "count": share} for share in shares], 600)
        connect_seconds = time.monotonic() - started
        connected = sum(answer["connected"] for answer in answers)
        if connected < readers:
            errors = [error for answer in answers for error in answer["errors"]]
            raise RuntimeError(f"only {connected} of {readers} sockets opened: {errors[:3]}")
        # Every connect tells every reader the new count: wait for that to settle.
        started = time.monotonic()
        quiet = pool.ask_all({"op": "quiet", "seconds": 1.5, "timeout": 300}, 320)
        quiet_seconds = time.monotonic() - started
        time.sleep(1.0)
        after = rss_kb(server.pids())
        result = Round(
            readers=readers,
            connected=connected,
            clients=clients,
            workers_seen=workers_seen,
            connect_seconds=connect_seconds,
            quiet_seconds=quiet_seconds,
            readers_messages=sum(answer["other_messages"] for answer in quiet),
            rss_before_kb=before,
            rss_after_kb=after,
        )

        # Replies one at a time: each reaches every reader before the next is posted.
        say(f"{readers} readers: {args.replies} replies, one at a time")
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            for number in range(args.replies):
                post_id, sent, answered = member.post_reply(
                    seeded.thread_id, f"{REPLY_BODY} ({number + 1})", conn
                )
                waited = pool.ask_all({"op": "wait", "post_ids": [post_id], "timeout": 10}, 30)
                times = [t for answer in waited for t in answer["posts"][post_id]]
                expected = sum(answer["expected"] for answer in waited)
                result.missing += max(0, expected - len(times))
                if times:
                    last = max(times)
                    result.latencies_ms.append((last - answered) * 1000)
                    result.from_send_ms.append((last - sent) * 1000)
                    result.spread_ms.append((last - min(times)) * 1000)
                result.post_ms.append((answered - sent) * 1000)
                time.sleep(args.gap)
        finally:
            conn.close()

        if args.burst:
            burst(args, server, member, seeded, pool, result)
        result.closed_early = sum(
            answer["closed_early"]
            for answer in pool.ask_all({"op": "quiet", "seconds": 0, "timeout": 1}, 10)
        )
        return result
    finally:
        if pool is not None:
            pool.stop()
        server.stop()


def burst(
    args: argparse.Namespace,
    server: Server,
    member: Member,
    seeded: Seeded,
    pool: ClientPool,
    result: Round,
) -> None:
    """`--burst` replies from `--posters` concurrent connections, as fast as they go."""
    say(f"{result.readers} readers: burst of {args.burst} replies from {args.posters} posters")
    posted: list[tuple[int, float, float]] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(args.burst))

    def poster() -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        try:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                try:
                    body = f"{REPLY_BODY} (burst {number})"
                    one = member.post_reply(seeded.thread_id, body, conn)
                except (RuntimeError, OSError, http.client.HTTPException) as error:
                    with lock:
                        failures.append(str(error))
                    return
                with lock:
                    posted.append(one)
        finally:
            conn.close()

    pids = server.pids()
    cpu_before = cpu_seconds(pids)
    threads = [threading.Thread(target=poster, daemon=True) for _ in range(args.posters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if failures or not posted:
        raise RuntimeError(f"burst: {len(failures)} replies failed: {failures[:2]}")
    post_ids = [post_id for post_id, _, _ in posted]
    waited = pool.ask_all({"op": "wait", "post_ids": post_ids, "timeout": 60}, 90)
    cpu_after = cpu_seconds(pids)
    times = [t for answer in waited for post_id in post_ids for t in answer["posts"][post_id]]
    result.burst_posts = len(posted)
    result.burst_deliveries = len(times)
    result.burst_expected = sum(answer["expected"] for answer in waited) * len(post_ids)
    if times:
        result.burst_seconds = max(times) - min(times)
        result.burst_cpu_ms_per_delivery = (cpu_after - cpu_before) * 1000 / len(times)
    result.burst_post_seconds = max(a for _, _, a in posted) - min(s for _, s, _ in posted)


# --- The run and the table ---------------------------------------------------------------


@dataclass
class Report:
    database: str
    layer: str
    registered: str
    rounds: list[Round]
    busiest: float
    seconds: float


def run(args: argparse.Namespace, tmp: Path) -> Report:
    started = time.monotonic()
    busiest = load_average()
    database_url, database = database_url_for(args, tmp)
    env = prepare(tmp, database_url)
    env.update(REDIS_URL=args.redis_url, RATE_LIMITS="off")
    settings_file = tmp / "ownpace_bench_settings.py"
    if args.layer == "core":
        settings_file.write_text(
            settings_file.read_text() + "\nCHANNEL_LAYERS = {'default': {"
            "'BACKEND': 'channels_redis.core.RedisChannelLayer',"
            f" 'CONFIG': {{'hosts': [{{'address': {args.redis_url!r},"
            " 'socket_timeout': 10}]}}}\n"
        )
    os.environ.update(env)
    sys.path[:0] = [str(tmp), str(BASE_DIR)]
    say(f"database: {database}; channel layer: Redis ({args.layer}) at {args.redis_url}")
    flush_redis(args.redis_url)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")

    import django

    django.setup()
    from django.db import connections

    seeded = seed()
    connections.close_all()

    rounds = []
    for readers in args.readers:
        rounds.append(measure(args, env, tmp, seeded, readers))
        busiest = max(busiest, load_average())
    return Report(
        database=database,
        layer=(
            "channels_redis RedisChannelLayer (bench override)"
            if args.layer == "core"
            else "channels_redis RedisPubSubChannelLayer"
        ),
        registered=seeded.how_registered,
        rounds=rounds,
        busiest=busiest,
        seconds=time.monotonic() - started,
    )


def verdict(ok: bool | None) -> str:
    if ok is None:
        return ""
    return "met" if ok else "NOT MET"


def print_report(report: Report, args: argparse.Namespace) -> None:
    header = ["readers", "figure", "measured", "target", ""]
    rows: list[list[str]] = []
    for r in report.rounds:
        lat = r.latencies_ms
        p50, p99, worst = (
            (percentile(lat, 0.50), percentile(lat, 0.99), max(lat)) if lat else (math.nan,) * 3
        )
        goal = target_p99(r.readers)
        n = f"{r.readers:,}"
        rows += [
            [n, "reply → last reader p50 (ms)", f"{p50:.1f}", "", ""],
            [
                n,
                "reply → last reader p99 (ms)",
                f"{p99:.1f}",
                f"≤ {goal:g}" if goal else "",
                verdict(p99 <= goal if goal else None),
            ],
            [n, "reply → last reader max (ms)", f"{worst:.1f}", "", ""],
            [
                n,
                "POST sent → last reader p99 (ms)",
                f"{percentile(r.from_send_ms, 0.99):.1f}",
                f"(≤ {goal:g})" if goal else "",
                f"({verdict(percentile(r.from_send_ms, 0.99) <= goal)})" if goal else "",
            ],
            [
                n,
                "first → last reader p50/p99 (ms)",
                f"{percentile(r.spread_ms, 0.5):.1f}/{percentile(r.spread_ms, 0.99):.1f}",
                "",
                "",
            ],
            [
                n,
                "burst deliveries/s",
                f"{r.deliveries_per_second:,.0f}",
                f"≥ {TARGET_DELIVERIES_PER_S:,.0f}" if r.readers >= 1000 else "",
                verdict(r.deliveries_per_second >= TARGET_DELIVERIES_PER_S)
                if r.readers >= 1000
                else "",
            ],
            [
                n,
                "server KB per idle connection",
                f"{r.kb_per_connection:.1f}",
                f"≤ {TARGET_KB_PER_CONNECTION:g}",
                verdict(r.kb_per_connection <= TARGET_KB_PER_CONNECTION),
            ],
        ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    cpus = os.cpu_count() or 1
    print(
        f"\nOwn Pace live fan-out · uvicorn --workers {args.workers}, DEBUG off"
        f"{', permessage-deflate on' if args.deflate else ', no permessage-deflate'} ·"
        f" {report.layer} · {report.database} · {args.replies} replies one at a time, a burst"
        f" of {args.burst} from {args.posters} posters · {cpus} CPUs shared with the clients",
        flush=True,
    )
    print(line(header))
    print(line(["-" * width for width in widths]))
    for row in rows:
        print(line(row))
    print()
    notes = [
        "Latency: CLOCK_MONOTONIC (time.monotonic(), one clock for every process on the host)"
        " from the moment the POST's response has been read to the moment the last reader's"
        " client process has the reply; the reply is broadcast after the commit, inside the"
        " request, so some readers have it before the response arrives, and the response"
        " waits for the group send: with many readers the 'POST sent' row is the honest one"
        " (the verdict in brackets applies the same target to it).",
    ]
    for r in report.rounds:
        from_send = r.from_send_ms or [math.nan]
        notes.append(
            f"{r.readers:,} readers over {r.clients} client processes"
            f" ({r.workers_seen} server worker{'s' if r.workers_seen > 1 else ''}):"
            f" opened in {r.connect_seconds:.1f} s, then {r.quiet_seconds:.1f} s until the"
            f" {r.readers_messages:,} 'reading now' updates sent while connecting had arrived;"
            f" POST round trip median {statistics.median(r.post_ms):.1f} ms; from the POST"
            f" being sent: p50 {percentile(from_send, 0.5):.1f} ms, p99"
            f" {percentile(from_send, 0.99):.1f} ms; RSS {r.rss_before_kb / 1024:.1f} →"
            f" {r.rss_after_kb / 1024:.1f} MB."
        )
        if r.burst_posts:
            offered = r.burst_posts * r.readers / max(r.burst_post_seconds, 1e-9)
            notes.append(
                f"{r.readers:,} readers, burst: {r.burst_posts} replies posted in"
                f" {r.burst_post_seconds * 1000:.0f} ms; {r.burst_deliveries:,} of"
                f" {r.burst_expected:,} deliveries between the first and the last receipt"
                f" ({r.burst_seconds * 1000:.0f} ms); the posting alone would allow"
                f" {offered:,.0f}/s; server CPU {r.burst_cpu_ms_per_delivery * 1000:.0f} µs"
                " per delivery (posting included)."
            )
        lost = r.missing + (r.burst_expected - r.burst_deliveries)
        if lost or r.closed_early:
            notes.append(
                f"{r.readers:,} readers: {lost} deliveries MISSING,"
                f" {r.closed_early} sockets closed by the server."
            )
    notes.append(f"The posting member was created with {report.registered}; RATE_LIMITS=off.")
    if report.busiest > cpus:
        notes.append(
            f"The machine was busy (load average up to {report.busiest:.1f} on {cpus} CPUs):"
            " latency suffers first. Compare quiet runs."
        )
    notes.append(f"Whole run: {report.seconds:.0f} s.")
    for note in notes:
        print(f"- {note}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--readers",
        default="100,1000",
        help="comma-separated numbers of WebSocket readers, one fresh server each (100,1000)",
    )
    parser.add_argument("--replies", type=int, default=20, help="replies one at a time (20)")
    parser.add_argument("--burst", type=int, default=40, help="replies in the burst (40; 0: none)")
    parser.add_argument("--posters", type=int, default=4, help="concurrent posters in the burst")
    parser.add_argument(
        "--clients",
        type=int,
        default=0,
        help=f"client processes (default: one per {SOCKETS_PER_CLIENT} readers)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    parser.add_argument(
        "--gap", type=float, default=0.2, help="seconds between one-at-a-time replies (0.2)"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help=f"a PostgreSQL database it may create and migrate ({DEFAULT_DATABASE});"
        " SQLite when PostgreSQL does not answer",
    )
    parser.add_argument("--sqlite", action="store_true", help="use a throwaway SQLite file")
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS,
        help=f"Redis for the layer and cache; its database is FLUSHED ({DEFAULT_REDIS})",
    )
    parser.add_argument(
        "--layer",
        choices=("pubsub", "core"),
        default="pubsub",
        help="the project's pub/sub layer (pubsub), or channels_redis' list-based"
        " RedisChannelLayer for comparison (core)",
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="serve with permessage-deflate, for comparison (production turns it off)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="100 readers, 5 replies, a burst of 20"
    )
    args = parser.parse_args()
    if args.quick:
        args.readers, args.replies, args.burst = "100", 5, 20
    try:
        args.readers = [int(part) for part in str(args.readers).split(",") if part.strip()]
    except ValueError:
        parser.error("--readers takes numbers, e.g. 100,1000")
    limits = {"replies": 500, "posters": 16, "clients": 32, "workers": 16}
    for name, most in limits.items():
        if not 0 <= getattr(args, name) <= most:
            parser.error(f"--{name} must be between 0 and {most}")
    if not args.readers or not all(1 <= n <= 10_000 for n in args.readers):
        parser.error("--readers must be between 1 and 10000")
    if args.replies < 1 or args.workers < 1 or args.posters < 1 or not 0 <= args.burst <= 1000:
        parser.error("--replies, --workers and --posters ≥ 1; --burst 0 to 1000")
    return args


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _interrupted)
    try:
        with temporary_directory() as tmp:
            report = run(args, tmp)
    except KeyboardInterrupt:
        print("interrupted: the processes it started are stopped", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print_report(report, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
