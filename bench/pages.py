"""Benchmark of Own Pace's read pages: the home page, a category and a thread.

Seeds a throwaway database through forum.actions (200 threads in one category, one
thread with 50 replies and one with 10), serves the site the production way (uvicorn
with 2 worker processes, DEBUG off, hashed and compressed static files after
collectstatic), drives it with wrk (or a small bounded Python load generator when wrk is
absent) and prints one table: requests/s, p50 and p99 latency per page, and for the
thread page the SQL queries per request, whether a logged-out request writes to the
database, the server CPU per request and per extra post, and the gzipped first load,
each beside its target.

    cd /work/main && .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/bench

Everything it starts (the uvicorn master and its workers) is stopped on the way out,
also on Ctrl+C or an error. Requests go to 127.0.0.1 only. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import FrameType
from urllib.parse import urljoin, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SETTINGS_MODULE = "ownpace_bench_settings"

THREADS_IN_CATEGORY = 200
LONG_THREAD_REPLIES = 50
SHORT_THREAD_REPLIES = 10

# The thread page's targets (from the issue).
TARGET_QUERIES = 5
TARGET_CPU_MS = 8.0
TARGET_CPU_MS_PER_POST = 0.1
TARGET_FIRST_LOAD_KB = 30.0

WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)

PSEUDONYMS = ("QuietHeron", "SlowRiver", "PatientFern", "KindHarbour", "StillMoss")
TOPICS = (
    "First appointment with a pelvic-floor physio",
    "Dilators: how did you pace yourselves?",
    "Talking to a partner about going slowly",
    "What helped on the bad weeks",
    "Small wins thread",
    "Questions to bring to a gynaecologist",
    "Breathing exercises that worked for me",
    "Feeling alone with this",
)
VOCABULARY = (
    "appointment physio partner slowly breathing week month progress setback patience "
    "gentle pace dilator size warm bath relax muscle tension fear pain nervous calm "
    "doctor gynaecologist referral waiting list exercise stretch morning evening routine "
    "journal notes talk listen support understand trust kind honest tired hopeful proud "
    "small step today yesterday tomorrow again still maybe really quite little bit more "
    "less easier harder better worse time because though when after before while since "
    "and but so the a to of in on with for it this that my our their we you they was is "
    "felt feel think know tried helped started stopped remember noticed decided asked "
    "counsellor therapist group forum thread reply story journey experience advice"
)
WORDS = VOCABULARY.split()


def body_text(number: int) -> str:
    """A post of two to four paragraphs of varied words (gzip sees realistic text), with
    the Markdown members use: emphasis, a list, a quote, a link."""
    rng = random.Random(number)

    def sentence() -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(7, 18))]
        if rng.random() < 0.3:
            spot = rng.randrange(len(words))
            words[spot] = f"*{words[spot]}*"
        return " ".join(words).capitalize() + rng.choice(".!?..")

    paragraphs = [
        " ".join(sentence() for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(2, 4))
    ]
    extra = rng.random()
    if extra < 0.2:
        paragraphs.insert(1, "\n".join(f"- {sentence()}" for _ in range(rng.randint(2, 4))))
    elif extra < 0.3:
        paragraphs.insert(0, f"> {sentence()}")
    elif extra < 0.4:
        paragraphs.append(f"More in [this guide](https://example.org/guide/{number}).")
    return "\n\n".join(paragraphs)


# --- Small helpers ----------------------------------------------------------------------


def say(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def sqlite_path(database_url: str) -> Path | None:
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite" or not parts.path or parts.path == "/:memory:":
        return None
    return Path(parts.path)


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes  # as transferred (compressed when Content-Encoding says so)

    @property
    def text(self) -> str:
        raw = gzip.decompress(self.body) if self.is_gzipped else self.body
        return raw.decode("utf-8", "replace")

    @property
    def is_gzipped(self) -> bool:
        return self.headers.get("content-encoding", "").lower() == "gzip"


def fetch(port: int, path: str, *, accept_gzip: bool = False) -> Fetched:
    headers = {"Connection": "close"}
    if accept_gzip:
        headers["Accept-Encoding"] = "gzip"
    conn = http.client.HTTPConnection(HOST, port, timeout=15)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return Fetched(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


@dataclass
class Driven:
    ok: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)


def drive(port: int, path: str, *, total: int, concurrency: int, max_seconds: float) -> Driven:
    """Send at most `total` GETs over `concurrency` keep-alive connections, for at most
    `max_seconds`. Every loop is bounded in count and in time."""
    result = Driven()
    counter = itertools.count()
    lock = threading.Lock()
    max_errors = total // 10 + 10
    started = time.monotonic()
    deadline = started + max_seconds

    def worker() -> None:
        conn: http.client.HTTPConnection | None = None
        latencies: list[float] = []
        ok = errors = 0
        try:
            while time.monotonic() < deadline and next(counter) < total:
                begin = time.perf_counter()
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(HOST, port, timeout=10)
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    if response.status == 200:
                        ok += 1
                        latencies.append(time.perf_counter() - begin)
                    else:
                        errors += 1
                    if response.will_close:
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException):
                    errors += 1
                    if conn is not None:
                        conn.close()
                    conn = None
                if errors > max_errors:
                    break
        finally:
            if conn is not None:
                conn.close()
            with lock:
                result.ok += ok
                result.errors += errors
                result.latencies.extend(latencies)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(max_seconds + 15)
    result.elapsed = time.monotonic() - started
    return result


# --- Load generation --------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def _wrk_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def load_with_wrk(port: int, path: str, *, threads: int, connections: int, seconds: int) -> Load:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        f"http://{HOST}:{port}{path}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if done.returncode != 0 or not (rps and total and p50 and p99):
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{out}\n{done.stderr}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(number) for number in socket_errors.groups())
    return Load(
        rps=float(rps.group(1)),
        p50_ms=_wrk_ms(*p50.groups()),
        p99_ms=_wrk_ms(*p99.groups()),
        requests=int(total.group(1)),
        errors=errors,
    )


def load_with_python(port: int, path: str, *, connections: int, seconds: int) -> Load:
    driven = drive(port, path, total=1_000_000, concurrency=connections, max_seconds=seconds)
    return Load(
        rps=driven.ok / driven.elapsed if driven.elapsed else 0.0,
        p50_ms=percentile(driven.latencies, 0.50) * 1000,
        p99_ms=percentile(driven.latencies, 0.99) * 1000,
        requests=driven.ok + driven.errors,
        errors=driven.errors,
    )


# --- The server and its CPU time --------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    found: list[int] = []
    tasks = Path(f"/proc/{pid}/task")
    with contextlib.suppress(OSError):
        for task in tasks.iterdir():
            with contextlib.suppress(OSError):
                found.extend(int(text) for text in (task / "children").read_text().split())
    if found or Path(f"/proc/{pid}/task/{pid}/children").exists():
        return found
    # Kernels without CONFIG_PROC_CHILDREN: scan every process's parent id.
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    tree, frontier = [pid], [pid]
    for _ in range(4):  # master → workers (→ helpers); bounded depth
        frontier = [child for parent in frontier for child in child_pids(parent)]
        tree.extend(frontier)
        if not frontier:
            break
    return tree


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (all their threads), in seconds."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return ticks / CLOCK_TICKS


class Server:
    """uvicorn with N workers, in its own session so that it can be stopped as a whole."""

    def __init__(self, *, env: dict[str, str], workers: int, access_log: bool, log: Path):
        self.port = free_port()
        self.command = [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--workers",
            str(workers),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--log-level",
            "info",  # start() waits for each worker's "Application startup complete"
        ]
        if not access_log:
            self.command.append("--no-access-log")
        self.workers = workers
        self.log = log
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.known_pids: set[int] = set()

    def start(self, timeout: float = 40, ready_path: str = "/") -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n{self.tail()}")
            # Each worker logs this line once it serves; then one request proves the site.
            booted = self.log.read_text(errors="replace").count("Application startup complete")
            if booted >= self.workers:
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if fetch(self.port, ready_path).status == 200:
                        return
            time.sleep(0.2)
        raise RuntimeError(f"uvicorn was not ready after {timeout:.0f} s:\n{self.tail()}")

    def pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = process_tree(self.process.pid)
        self.known_pids.update(pids)
        return pids

    def worker_pids(self) -> list[int]:
        workers = []
        for pid in self.pids():
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    workers.append(pid)
        return workers

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        return ""

    def stop(self) -> None:
        if self.process is None:
            return
        self.pids()
        if self.process.poll() is None:
            self.process.terminate()  # uvicorn's master stops its workers on SIGTERM
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        # A worker that outlived its master: still in our session, so still ours.
        for pid in self.known_pids - {self.process.pid}:
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) == self.process.pid:  # process group = our session
                    os.kill(pid, signal.SIGKILL)
        self.process = None


def cpu_ms_per_request(server: Server, path: str, *, requests: int, concurrency: int) -> float:
    pids = server.pids()
    before = cpu_seconds(pids)
    driven = drive(server.port, path, total=requests, concurrency=concurrency, max_seconds=60)
    after = cpu_seconds(pids)
    if driven.ok == 0 or driven.errors:
        raise RuntimeError(f"{path}: {driven.errors} failed requests while measuring CPU")
    return (after - before) * 1000 / driven.ok


# --- First load -------------------------------------------------------------------------


class AssetFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and values.get("href"):
            self.assets.append(values["href"] or "")
        elif tag == "script" and values.get("src"):
            self.assets.append(values["src"] or "")


@dataclass
class FirstLoad:
    total_bytes: int
    parts: list[tuple[str, int, bool, int]]  # (path, gzipped bytes, gzipped by us, raw bytes)
    notes: list[str]


def first_load(port: int, path: str) -> FirstLoad:
    page = fetch(port, path, accept_gzip=True)
    if page.status != 200:
        raise RuntimeError(f"{path} answered {page.status}")
    finder = AssetFinder()
    finder.feed(page.text)
    parts: list[tuple[str, int, bool, int]] = []
    notes: list[str] = []
    for name, fetched in [(path, page)] + [(url, None) for url in dict.fromkeys(finder.assets)]:
        target = urljoin(path, name)
        where = urlsplit(target)
        if where.netloc and where.netloc not in {f"{HOST}:{port}", HOST}:
            notes.append(f"{name} is on another host: not fetched")
            continue
        got = fetched or fetch(
            port, where.path + (f"?{where.query}" if where.query else ""), accept_gzip=True
        )
        if got.status != 200:
            notes.append(f"{where.path} answered {got.status}")
            continue
        if got.is_gzipped:
            parts.append((where.path, len(got.body), False, len(gzip.decompress(got.body))))
        else:
            compressed = gzip.compress(got.body, compresslevel=6)
            parts.append((where.path, len(compressed), True, len(got.body)))
    return FirstLoad(sum(part[1] for part in parts), parts, notes)


# --- Seeding and the in-process checks (Django runs in this process too) ----------------


@dataclass
class Seeded:
    home: str
    category: str
    thread: str  # 50 replies
    short_thread: str  # 10 replies


def seed(suffix: str) -> Seeded:
    from forum import actions
    from forum.models import Category

    members = [
        actions.register_member(pseudonym=f"{name}{suffix}", password=secrets.token_urlsafe(16))[0]
        for name in PSEUDONYMS
    ]
    category = Category.objects.create(
        name=f"Journeys (bench {suffix})",
        slug=f"bench-{suffix}",
        description="Where members share how things are going, at their own pace.",
        position=0,
    )
    threads = [
        actions.start_thread(
            author=members[number % len(members)],
            category=category,
            title=f"{TOPICS[number % len(TOPICS)]} ({number + 1})",
            body=body_text(number),
        )
        for number in range(THREADS_IN_CATEGORY)
    ]
    for thread, replies in ((threads[0], LONG_THREAD_REPLIES), (threads[1], SHORT_THREAD_REPLIES)):
        for number in range(replies):
            actions.post_reply(
                author=members[(number + 1) % len(members)],
                thread=thread,
                body=body_text(number + 7),
            )
    return Seeded(
        home="/",
        category=category.get_absolute_url(),
        thread=threads[0].get_absolute_url(),
        short_thread=threads[1].get_absolute_url(),
    )


@dataclass
class InProcess:
    queries: int
    cold_queries: int
    writes: list[str]
    cookies: list[str]
    posts_shown: int


def in_process_checks(path: str) -> InProcess:
    """Query count and writes of a logged-out GET, through Django's test client against
    the same database and settings the servers use."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as cold:
        first = client.get(path)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(path)
    if first.status_code != 200 or response.status_code != 200:
        raise RuntimeError(f"{path} answered {first.status_code}/{response.status_code}")
    writes = [
        query["sql"]
        for query in [*cold.captured_queries, *warm.captured_queries]
        if WRITE_SQL.match(query["sql"])
    ]
    return InProcess(
        queries=len(warm.captured_queries),
        cold_queries=len(cold.captured_queries),
        writes=writes,
        cookies=sorted({*first.cookies.keys(), *response.cookies.keys()}),
        posts_shown=response.content.decode().count("data-post-id="),
    )


# --- The run ----------------------------------------------------------------------------


def prepare(tmp: Path, database_url: str) -> dict[str, str]:
    """The environment of the production settings, with the static files collected into
    the temporary directory (settings would put them in BASE_DIR/staticfiles)."""
    (tmp / f"{SETTINGS_MODULE}.py").write_text(
        '"""Written by bench/pages.py: the site\'s settings, static files in a temp dir."""\n'
        "from config.settings import *  # noqa: F403\n\n"
        f"STATIC_ROOT = {str(tmp / 'staticfiles')!r}\n"
    )
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join([str(tmp), str(BASE_DIR)]),
        DATABASE_URL=database_url,
        DEBUG="false",
        STATIC_MANIFEST="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="false",
        ALLOWED_HOSTS=f"{HOST},testserver",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{done.stdout}{done.stderr}")


def load_average() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return float(Path("/proc/loadavg").read_text().split()[0])
    return float("nan")


@dataclass
class Report:
    how: str
    database: str
    cache: str
    workers_seen: int
    load: dict[str, Load]
    checks: dict[str, InProcess]  # home, category, thread, short
    cpu: dict[str, float]  # ms per request: home, category, thread, short
    extra_posts_ms: float  # CPU ms, thread page with 50 replies minus with 10
    server_wrote: bool | None
    first: FirstLoad
    busiest: float  # highest 1-minute load average seen during the run
    seconds: float


def run(args: argparse.Namespace, tmp: Path) -> Report:
    started = time.monotonic()
    busiest = load_average()
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = prepare(tmp, database_url)
    os.environ.update(env)
    sys.path[:0] = [str(tmp), str(BASE_DIR)]

    say(f"database: {database_url if args.database_url else 'throwaway SQLite in ' + str(tmp)}")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    replies = LONG_THREAD_REPLIES + SHORT_THREAD_REPLIES
    say(f"seeding {THREADS_IN_CATEGORY} threads and {replies} replies")
    urls = seed(secrets.token_hex(3))
    pages = {"home": urls.home, "category": urls.category, "thread": urls.thread}
    measured = {**pages, "short": urls.short_thread}
    checks = {name: in_process_checks(path) for name, path in measured.items()}
    connections.close_all()

    use_wrk = bool(shutil.which("wrk")) and not args.python_loadgen
    if not use_wrk and not args.python_loadgen:
        say("wrk not found (apt-get install -y wrk): using the Python load generator")
    if use_wrk:
        how = f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s"
    else:
        how = f"Python keep-alive load, {args.connections} connections, {args.duration} s"

    db_file = sqlite_path(database_url)
    watcher = sqlite3.connect(db_file) if db_file else None
    server = Server(
        env=env, workers=args.workers, access_log=args.access_log, log=tmp / "uvicorn.log"
    )
    try:
        say(f"serving: uvicorn {' '.join(server.command[3:])}")
        server.start()
        version = watcher.execute("PRAGMA data_version").fetchone()[0] if watcher else None

        # Each worker has its own template and fragment caches: warm them all, with a new
        # connection per request so that the requests spread over the workers.
        for path in measured.values():
            for _ in range(10 * args.workers):
                fetch(server.port, path)

        load: dict[str, Load] = {}
        for name, path in pages.items():
            say(f"load: {name} {path} ({how})")
            if use_wrk:
                load[name] = load_with_wrk(
                    server.port,
                    path,
                    threads=args.wrk_threads,
                    connections=args.connections,
                    seconds=args.duration,
                )
            else:
                load[name] = load_with_python(
                    server.port, path, connections=args.connections, seconds=args.duration
                )
            busiest = max(busiest, load_average())

        say(f"CPU: {args.rounds} rounds of {args.cpu_requests} requests per page")
        samples: dict[str, list[float]] = {name: [] for name in measured}
        for _ in range(args.rounds):
            for name, path in measured.items():
                samples[name].append(
                    cpu_ms_per_request(server, path, requests=args.cpu_requests, concurrency=4)
                )
        busiest = max(busiest, load_average())

        first = first_load(server.port, urls.thread)
        server_wrote = None
        if watcher:
            server_wrote = watcher.execute("PRAGMA data_version").fetchone()[0] != version
        workers_seen = len(server.worker_pids())
    finally:
        server.stop()
        if watcher:
            watcher.close()

    return Report(
        how=how,
        database=settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        cache=settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        workers_seen=workers_seen,
        load=load,
        checks=checks,
        cpu={name: statistics.median(values) for name, values in samples.items()},
        # Each round measures both threads back to back: the median of the paired
        # differences is steadier than the difference of the medians on a busy machine.
        extra_posts_ms=statistics.median(
            long - short for long, short in zip(samples["thread"], samples["short"], strict=True)
        ),
        server_wrote=server_wrote,
        first=first,
        busiest=busiest,
        seconds=time.monotonic() - started,
    )


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_report(report: Report, args: argparse.Namespace) -> None:
    columns = ("home", "category", "thread")
    thread, short = report.checks["thread"], report.checks["short"]
    extra_posts = thread.posts_shown - short.posts_shown
    cpu_delta = report.extra_posts_ms
    per_post = cpu_delta / extra_posts if extra_posts > 0 else float("nan")
    wrote = bool(thread.writes) or bool(report.server_wrote)
    queries = max(thread.queries, thread.cold_queries)
    first_kb = report.first.total_bytes / 1024

    def queries_cell(checks: InProcess) -> str:
        if checks.cold_queries == checks.queries:
            return str(checks.queries)
        return f"{checks.queries} ({checks.cold_queries} cold)"

    rows = [
        ["requests/s", *(f"{report.load[n].rps:.0f}" for n in columns), "", ""],
        ["latency p50 (ms)", *(f"{report.load[n].p50_ms:.1f}" for n in columns), "", ""],
        ["latency p99 (ms)", *(f"{report.load[n].p99_ms:.1f}" for n in columns), "", ""],
        [
            "SQL queries / request",
            *(queries_cell(report.checks[n]) for n in columns),
            f"≤ {TARGET_QUERIES}",
            verdict(queries <= TARGET_QUERIES),
        ],
        [
            "writes on a logged-out GET",
            *("YES" if report.checks[n].writes else "no" for n in columns[:2]),
            "YES" if wrote else "no",
            "none",
            verdict(not wrote),
        ],
        [
            "server CPU ms / request",
            *(f"{report.cpu[n]:.2f}" for n in columns),
            f"≤ {TARGET_CPU_MS:g}",
            verdict(report.cpu["thread"] <= TARGET_CPU_MS),
        ],
        [
            "CPU ms per extra post",
            "",
            "",
            f"{per_post:.3f}",
            f"≤ {TARGET_CPU_MS_PER_POST:g}",
            verdict(per_post <= TARGET_CPU_MS_PER_POST),
        ],
        [
            "first load, gzipped KB",
            "",
            "",
            f"{first_kb:.1f}",
            f"≤ {TARGET_FIRST_LOAD_KB:g}",
            verdict(first_kb <= TARGET_FIRST_LOAD_KB),
        ],
    ]
    header = ["", "home", "category", f"thread ({LONG_THREAD_REPLIES} replies)", "target", ""]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    cpus = os.cpu_count() or 1
    print(
        f"\nOwn Pace read pages · uvicorn --workers {args.workers} ({report.workers_seen} worker"
        f" processes), DEBUG off, manifest static · {report.database}, {report.cache} ·"
        f" {report.how} · {cpus} CPUs shared with the load generator",
        flush=True,
    )
    print(line(header))
    print(line(["-" * width for width in widths]))
    for row in rows:
        print(line(row))
    print()
    notes = [
        f"CPU: utime+stime of the uvicorn master and workers from /proc over"
        f" {args.cpu_requests} keep-alive requests, median of {args.rounds} rounds.",
        f"Per extra post: the {LONG_THREAD_REPLIES}-reply thread shows {thread.posts_shown}"
        f" posts on its first page ({report.cpu['thread']:.2f} ms), the"
        f" {SHORT_THREAD_REPLIES}-reply one {short.posts_shown} ({report.cpu['short']:.2f} ms):"
        f" median of the per-round differences ({cpu_delta:.2f} ms) ÷ {extra_posts} posts shown"
        f" (÷ {LONG_THREAD_REPLIES - SHORT_THREAD_REPLIES} replies would give"
        f" {cpu_delta / (LONG_THREAD_REPLIES - SHORT_THREAD_REPLIES):.3f}).",
        "Queries and writes: Django test client in this process, same settings and database"
        + (
            f"; the servers' SQLite data_version {'CHANGED' if report.server_wrote else 'stayed'}"
            " through every request above."
            if report.server_wrote is not None
            else " (the servers' own writes are checked on SQLite only)."
        ),
        "First load: "
        + ", ".join(
            f"{path} {size / 1024:.1f} KB"
            + (f" (sent UNCOMPRESSED: {raw / 1024:.1f} KB; gzipped here)" if ours else "")
            for path, size, ours, raw in report.first.parts
        )
        + ".",
    ]
    cookies = sorted({cookie for checks in report.checks.values() for cookie in checks.cookies})
    if cookies:
        notes.append(f"Logged-out pages set cookies: {', '.join(cookies)}.")
    for name, checks in report.checks.items():
        if checks.writes:
            notes.append(f"{name} writes: " + "; ".join(sql[:100] for sql in checks.writes[:3]))
    for name, load in report.load.items():
        if load.errors:
            notes.append(f"{name}: {load.errors} of {load.requests} requests failed under load!")
    notes.extend(report.first.notes)
    if report.busiest > cpus:
        notes.append(
            f"The machine was busy (load average up to {report.busiest:.1f} on {cpus} CPUs):"
            " requests/s and latency suffer most, and CPU time per request grows too (shared"
            " caches and cores): compare quiet runs."
        )
    notes.append(f"Whole run: {report.seconds:.0f} s.")
    for note in notes:
        print(f"- {note}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="seed and serve this database instead of a throwaway SQLite file; it must be one"
        " you can throw away, e.g. postgres://postgres@127.0.0.1:5432/ownpace_bench",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per page (8)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (8)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument(
        "--cpu-requests", type=int, default=300, help="requests per CPU sample (300)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="CPU samples per page (5)")
    parser.add_argument(
        "--python-loadgen", action="store_true", help="use the Python load generator, not wrk"
    )
    parser.add_argument(
        "--access-log", action="store_true", help="keep uvicorn's access log (off by default)"
    )
    args = parser.parse_args()
    limits = {
        "workers": 16,
        "duration": 120,
        "connections": 256,
        "wrk_threads": 16,
        "cpu_requests": 10_000,
        "rounds": 20,
    }
    for name, most in limits.items():
        if not 1 <= getattr(args, name) <= most:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and {most}")
    return args


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def temporary_directory() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ownpace-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main() -> int:
    args = parse_args()
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _interrupted)
    try:
        with temporary_directory() as tmp:
            report = run(args, tmp)
    except KeyboardInterrupt:
        print("interrupted: the servers it started are stopped", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print_report(report, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
