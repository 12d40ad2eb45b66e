"""Proxy drill: the production proxy's own configuration, run for real on this machine.

docker-compose.yml puts nginx (config/nginx/nginx.conf) in front of the web replicas. This
machine has no Docker daemon and no image registry, so the drill runs the same file with
the system's nginx (Debian: `apt-get install nginx-light`) in front of three uvicorn
replicas started as the web service starts them (`--proxy-headers`, no access log, no
permessage-deflate; HTTPS=true), on PostgreSQL and Redis, and checks what the proxy is
for:

- plain HTTP is redirected to HTTPS, and HTTPS is terminated with the given certificate
  (a self-signed one made here);
- pages come through with Django's security headers, and /health/ reports both parts;
- hashed static files carry a year-long immutable Cache-Control;
- WebSockets are upgraded, spread over the replicas, and a reply posted through one
  replica reaches the sockets held by the others;
- the access log is JSON without query strings or client addresses, and /health/ is not
  in it;
- a replica that is killed is skipped: every page still answers.

Only what Docker provides is adapted, each by an exact replacement that fails loudly when
the file changes: the replicas' addresses instead of Docker's DNS name `web` (and no
`resolve`, which needs nginx 1.27.3), local ports and paths, the pid file, and `http2 on`
on an nginx older than 1.25.1.

    cd /work/main && .venv/bin/python bench/proxy_drill.py

Exit status 0 when every check holds. Everything it starts is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import websockets
from pages import BASE_DIR, HOST, Server, free_port, manage, prepare, say, temporary_directory
from soak import ensure_database

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/ownpace_proxy_drill"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
NGINX_CONF = BASE_DIR / "config" / "nginx" / "nginx.conf"
PASSWORD = "proxy-drill-" + secrets.token_urlsafe(12)
REPLICAS = 3
SOCKETS = 9
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
HASHED_STATIC = re.compile(r'(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"')
LOG_KEYS = {
    "time",
    "method",
    "path",
    "status",
    "bytes",
    "seconds",
    "upstream",
    "upstream_seconds",
}


# --- nginx with the production file --------------------------------------------------


def nginx_version(nginx: str) -> tuple[int, ...]:
    shown = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", shown)
    if not found:
        raise RuntimeError(f"cannot read nginx's version from {shown!r}")
    return tuple(int(part) for part in found.groups())


def adapted_conf(
    text: str,
    *,
    tmp: Path,
    replicas: list[int],
    http_port: int,
    https_port: int,
    version: tuple[int, ...],
) -> str:
    """The production file with only what Docker provides replaced."""

    def replace(old: str, new: str) -> None:
        nonlocal text
        if old not in text:
            raise RuntimeError(f"config/nginx/nginx.conf no longer holds {old!r}: update the drill")
        text = text.replace(old, new)

    replace("user nginx;", "")  # the drill's nginx runs as this user
    replace("pid /var/run/nginx.pid;", f"pid {tmp}/nginx.pid;")
    replace("resolver 127.0.0.11 valid=10s ipv6=off;", "")
    replace(
        "server web:8000 resolve;",
        "\n        ".join(f"server {HOST}:{port};" for port in replicas),
    )
    replace("listen 80 default_server;", f"listen {HOST}:{http_port} default_server;")
    replace("listen [::]:80 default_server;", "")
    replace("listen 443 ssl default_server;", f"listen {HOST}:{https_port} ssl default_server;")
    replace("listen [::]:443 ssl default_server;", "")
    replace("/etc/nginx/certs/", f"{tmp}/certs/")
    replace("root /var/www/acme;", f"root {tmp}/acme;")
    if version < (1, 25, 1):
        replace("http2 on;", "")
    return text


def make_certificate(directory: Path) -> None:
    directory.mkdir()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}",
            "-keyout", str(directory / "privkey.pem"),
            "-out", str(directory / "fullchain.pem"),
        ],
        capture_output=True,
        check=True,
    )  # fmt: skip


class Nginx:
    def __init__(self, nginx: str, conf: Path, log: Path) -> None:
        self.command = [nginx, "-c", str(conf), "-g", "daemon off;"]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, port: int) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log.read_text(errors='replace')}")
            probe = http.client.HTTPConnection(HOST, port, timeout=2)
            with contextlib.suppress(OSError), contextlib.closing(probe):
                probe.request("GET", "/proxy-health")
                if probe.getresponse().status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("nginx did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # graceful: the log is flushed
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def access_log(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
        return entries


# --- A browser through the proxy -------------------------------------------------------

UNVERIFIED = ssl.create_default_context()
UNVERIFIED.check_hostname = False
UNVERIFIED.verify_mode = ssl.CERT_NONE  # the drill's own self-signed certificate


class Visitor:
    """HTTPS through the proxy, with cookies, as a browser on https://127.0.0.1:<port>."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        headers = {"Origin": self.origin, "Referer": self.origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPSConnection(HOST, self.port, timeout=10, context=UNVERIFIED)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def reply(self, thread_id: int, body: str) -> tuple[int, str]:
        """Post a reply through the form (signed in first); the status and the address
        it redirects to."""
        fields = {
            "body": body,
            "submission_token": secrets.token_hex(16),
            "csrfmiddlewaretoken": self.csrf,
        }
        status, headers, _ = self.request("POST", f"/t/{thread_id}/reply/", fields)
        return status, headers.get("location", "")

    def sign_in(self, pseudonym: str, thread_id: int) -> None:
        _, _, text = self.request("GET", "/login/")
        found = CSRF_INPUT.search(text)
        if not found:
            raise RuntimeError("no CSRF token on the sign-in page")
        form = {"username": pseudonym, "password": PASSWORD, "csrfmiddlewaretoken": found[1]}
        status, _, _ = self.request("POST", "/login/", form)
        if status != 302 or "__Host-sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in through the proxy answered {status}")
        # Signing in rotates the CSRF token: take the one the reply form carries now.
        _, _, text = self.request("GET", f"/t/{thread_id}/reply/")
        found = CSRF_INPUT.search(text)
        if not found:
            raise RuntimeError("no CSRF token on the reply form")
        self.csrf = found[1]


async def listen(port: int, thread_id: int, count: int, heard: list[list[str]]) -> list[Any]:
    """Open `count` sockets to the thread through the proxy; each appends what it hears."""
    sockets = []
    for number in range(count):
        socket = await websockets.connect(
            f"wss://{HOST}:{port}/ws/threads/{thread_id}/",
            ssl=UNVERIFIED,
            origin=websockets.Origin(f"https://{HOST}:{port}"),
            compression=None,
        )
        heard.append([])

        async def read(socket: Any = socket, inbox: list[str] = heard[number]) -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                async for message in socket:
                    inbox.append(str(message))

        asyncio.get_running_loop().create_task(read())
        sockets.append(socket)
    return sockets


# --- The drill ---------------------------------------------------------------------------


class Checks:
    def __init__(self) -> None:
        self.rows: list[tuple[str, bool, str]] = []

    def check(self, name: str, holds: bool, seen: str) -> None:
        self.rows.append((name, holds, seen))
        print(f"{'✓' if holds else '✗'} {name}: {seen}", flush=True)

    @property
    def passed(self) -> bool:
        return all(holds for _, holds, _ in self.rows)


def seed(suffix: str) -> tuple[str, int]:
    from forum import actions
    from forum.models import Category, TrustLevel

    pseudonym = f"Proxy{suffix}"
    member, _codes = actions.register_member(
        pseudonym=pseudonym, password=PASSWORD, trust_level=TrustLevel.MEMBER
    )
    thread = actions.start_thread(
        author=member,
        category=Category.objects.filter(is_public=True).order_by("position").first(),
        title=f"Through the proxy {suffix}",
        body="A thread for the proxy drill.",
    )
    return pseudonym, thread.pk


def run(args: argparse.Namespace, nginx: str, tmp: Path, checks: Checks) -> None:
    version = nginx_version(nginx)
    say(f"nginx {'.'.join(map(str, version))}; migrating {args.database_url}")
    ensure_database(args.database_url)
    http_port, https_port = free_port(), free_port()
    env = prepare(tmp, args.database_url)
    env.update(
        REDIS_URL=args.redis_url,
        HTTPS="true",
        ALLOWED_HOSTS=HOST,
        # nginx passes `Host: $host`, without the port: in production the port is 443.
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{https_port}",
        RATE_LIMITS="off",
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    os.environ.update(env)
    sys.path[:0] = [str(tmp), str(BASE_DIR)]
    import django

    django.setup()
    pseudonym, thread_id = seed(secrets.token_hex(3))

    replicas = [
        Server(env=env, workers=1, access_log=False, log=tmp / f"web-{n}.log")
        for n in range(REPLICAS)
    ]
    for replica in replicas:
        # As docker-compose.yml's web service runs uvicorn.
        replica.command += [
            "--proxy-headers",
            "--forwarded-allow-ips",
            "*",
            "--ws-per-message-deflate",
            "false",
        ]
    make_certificate(tmp / "certs")
    (tmp / "acme").mkdir()
    conf = tmp / "nginx.conf"
    conf.write_text(
        adapted_conf(
            args.conf.read_text(),
            tmp=tmp,
            replicas=[replica.port for replica in replicas],
            http_port=http_port,
            https_port=https_port,
            version=version,
        )
    )
    proxy = Nginx(nginx, conf, tmp / "nginx.log")
    try:
        for replica in replicas:
            # With HTTPS=true a plain request is redirected; /health/ answers first.
            replica.start(ready_path="/health/")
        proxy.start(http_port)
        say(f"nginx on {http_port} (HTTP) and {https_port} (HTTPS) in front of {REPLICAS} replicas")
        drill(checks, proxy, replicas, http_port, https_port, pseudonym, thread_id)
    finally:
        proxy.stop()
        for replica in replicas:
            replica.stop()


def drill(
    checks: Checks,
    proxy: Nginx,
    replicas: list[Server],
    http_port: int,
    https_port: int,
    pseudonym: str,
    thread_id: int,
) -> None:
    plain = http.client.HTTPConnection(HOST, http_port, timeout=10)
    plain.request("GET", f"/t/{thread_id}/?from=plain")
    answer = plain.getresponse()
    location = answer.getheader("Location", "")
    plain.close()
    checks.check(
        "plain HTTP is redirected to HTTPS",
        answer.status == 301 and location.startswith("https://"),
        f"{answer.status} → {location}",
    )

    visitor = Visitor(https_port)
    status, headers, home = visitor.request("GET", "/")
    checks.check(
        "HTTPS is terminated by the proxy, with Django's security headers",
        status == 200
        and "max-age=31536000" in headers.get("strict-transport-security", "")
        and "content-security-policy" in headers,
        f"{status}, HSTS {headers.get('strict-transport-security')!r}",
    )

    status, _, text = visitor.request("GET", "/health/")
    checks.check("/health/ answers through the proxy", status == 200, f"{status} {text.strip()}")

    asset = HASHED_STATIC.search(home)
    status, headers, _ = visitor.request("GET", asset[1] if asset else "/static/missing")
    cache_control = headers.get("cache-control", "")
    checks.check(
        "hashed static files are cached for a year, immutable",
        bool(asset) and status == 200 and cache_control == "public, max-age=31536000, immutable",
        f"{asset[1] if asset else 'no hashed asset on the home page'}: {cache_control!r}",
    )

    heard: list[list[str]] = []
    member = Visitor(https_port)
    member.sign_in(pseudonym, thread_id)

    async def live() -> tuple[int, int]:
        sockets = await listen(https_port, thread_id, SOCKETS, heard)
        await asyncio.sleep(1.0)
        status, _ = await asyncio.to_thread(
            member.reply, thread_id, "Posted through the proxy: going at my own pace."
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if all(any("reply_posted" in m for m in inbox) for inbox in heard):
                break
            await asyncio.sleep(0.05)
        for socket in sockets:
            await socket.close()
        await asyncio.sleep(0.5)
        return status, sum(any("reply_posted" in m for m in inbox) for inbox in heard)

    try:
        status, had_it = asyncio.run(live())
        refused = ""
    except (websockets.exceptions.WebSocketException, OSError) as error:
        status, had_it, refused = 0, 0, f"the upgrade failed: {error}"
    log = proxy.access_log()
    socket_replicas = {e["upstream"] for e in log if e["path"].startswith("/ws/threads/")}
    post_replica = {
        e["upstream"] for e in log if e["method"] == "POST" and e["path"].endswith("/reply/")
    }
    checks.check(
        "WebSockets are upgraded and spread over the replicas",
        len(socket_replicas) == REPLICAS,
        refused or f"{SOCKETS} sockets held by {len(socket_replicas)} replicas",
    )
    checks.check(
        "a reply posted through one replica reaches the sockets on every replica",
        status == 302 and had_it == SOCKETS and len(post_replica) == 1,
        f"POST {status} via {', '.join(post_replica)}; {had_it} of {SOCKETS} sockets had it",
    )

    visitor.request("GET", f"/t/{thread_id}/posts/?after=0&secret=private-words")
    time.sleep(0.3)
    log = proxy.access_log()
    raw = proxy.log.read_text(errors="replace")
    checks.check(
        "the access log is JSON with no query string and no client address",
        bool(log)
        and all(set(e) == LOG_KEYS for e in log)
        and "private-words" not in raw
        and "from=plain" not in raw
        and not any("?" in e["path"] for e in log),
        f"{len(log)} lines, keys {sorted(LOG_KEYS)}",
    )
    checks.check(
        "/health/ is not logged",
        not any(e["path"] == "/health/" for e in log),
        f"{sum(e['path'] == '/health/' for e in log)} lines for /health/",
    )

    victim = replicas[0]
    assert victim.process is not None
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait(5)
    statuses = [visitor.request("GET", path)[0] for path in ("/", f"/t/{thread_id}/") * 6]
    checks.check(
        "a killed replica is skipped: every page still answers",
        set(statuses) == {200},
        f"{len(statuses)} requests after the kill: {sorted(set(statuses))}",
    )
    # A POST is never sent to a second replica once it reached one (no `non_idempotent`),
    # but a refused connection means it reached none: it goes to the next replica.
    posted = [member.reply(thread_id, f"After the kill, reply {n}.")[0] for n in range(6)]
    checks.check(
        "replies still post after the kill, each once",
        posted == [302] * 6 and replies_stored(thread_id, "After the kill, reply ") == 6,
        f"6 POSTs: {sorted(set(posted))}; {replies_stored(thread_id, 'After the kill, reply ')}"
        " stored",
    )


def replies_stored(thread_id: int, beginning: str) -> int:
    from forum.models import Post

    return Post.objects.filter(thread_id=thread_id, body__startswith=beginning).count()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument(
        "--conf", type=Path, default=NGINX_CONF, help="the proxy's configuration to drill"
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    args = parser.parse_args()
    if not os.access(args.nginx, os.X_OK):
        print("no nginx here: apt-get install nginx-light (or pass --nginx)", file=sys.stderr)
        return 2
    checks = Checks()
    with temporary_directory() as tmp:
        try:
            run(args, args.nginx, tmp, checks)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            print(f"proxy drill failed: {error}", file=sys.stderr)
            return 1
    print(f"\n{sum(h for _, h, _ in checks.rows)} of {len(checks.rows)} checks hold")
    return 0 if checks.passed else 1


if __name__ == "__main__":
    sys.exit(main())
