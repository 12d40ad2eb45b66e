"""Live updates across server processes: with Redis as the channel layer, an event made in
one server process reaches the sockets open on another.

Two real daphne processes (tests/servers.py) serve the test database with REDIS_URL. A
socket listens on site A; a member signs in and writes through plain HTTP on site B, with
CSRF tokens read from the pages, as a browser would.

Without REDIS_URL the servers use a local Redis (database 9) all the same: the in-memory
layer cannot cross processes. With no Redis answering, these tests are skipped on a
developer machine and fail when CI=true.
"""

from __future__ import annotations

import http.cookiejar
import json
import runpy
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from channels_redis.utils import create_pool, decode_hosts
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from forum import actions
from forum.models import Category, Member, Post, Thread, TrustLevel
from tests.conftest import PASSWORD
from tests.helpers import input_value
from tests.servers import LiveSite, require, running_site

# The server processes sign the member in with the production password hasher.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.argon2,
]

EVENT_SECONDS = 5
HTTP_SECONDS = 10


def _redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


# The servers need Redis even when this run's own settings use the embedded defaults:
# then they use a local Redis database of their own, emptied first (thread ids restart
# with every test database, and stale reader counts must not carry over).
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = str(settings.REDIS_URL) or LOCAL_REDIS_URL
    problem = _redis_problem(url)
    require(problem is None, f"Redis at {url} does not answer ({problem})")
    if not settings.REDIS_URL:
        import redis

        redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="module")
def sites(django_db_setup: None, redis_url: str) -> Iterator[tuple[LiveSite, LiveSite]]:
    """Two server processes sharing only the database and Redis."""
    environ = {"REDIS_URL": redis_url}
    with (
        running_site(name="daphne-site-a", environ=environ) as site_a,
        running_site(name="daphne-site-b", environ=environ) as site_b,
    ):
        yield site_a, site_b


# --- A browser over plain HTTP ----------------------------------------------------------


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Reply:
    status: int
    location: str
    html: str


class Browser:
    """Cookies, CSRF tokens from the pages, no redirects followed, no proxy."""

    def __init__(self, site: LiveSite) -> None:
        self.site = site
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.cookies),
            _KeepRedirects(),
        )

    def _open(self, path: str, data: dict[str, str] | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"{self.site.url}{path}", data=body)  # noqa: S310
        try:
            response = self.opener.open(request, timeout=HTTP_SECONDS)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return Reply(
                status=response.status,
                location=response.headers.get("Location", ""),
                html=response.read().decode(),
            )

    def get(self, path: str) -> Reply:
        reply = self._open(path)
        assert reply.status == 200, f"GET {path} answered {reply.status}"
        return reply

    def post(self, path: str, data: dict[str, str], *, token_from: str) -> Reply:
        token = input_value(self.get(token_from).html, "csrfmiddlewaretoken")
        assert token, f"no CSRF token on {token_from}"
        return self._open(path, {**data, "csrfmiddlewaretoken": token})

    def cookie(self, name: str) -> str:
        for cookie in self.cookies:
            if cookie.name == name and cookie.value:
                return cookie.value
        raise AssertionError(f"no {name} cookie")

    def sign_in(self, member: Member) -> None:
        signed_in = self.post(
            "/login/",
            {"username": member.pseudonym, "password": PASSWORD},
            token_from="/login/",
        )
        assert signed_in.status == 302, f"sign-in answered {signed_in.status}"
        self.cookie(settings.SESSION_COOKIE_NAME)


def open_socket(site: LiveSite, path: str, browser: Browser | None = None) -> ClientConnection:
    headers = {}
    if browser is not None:
        name = settings.SESSION_COOKIE_NAME
        headers["Cookie"] = f"{name}={browser.cookie(name)}"
    return connect(
        f"{site.ws_url}{path}",
        origin=site.url,  # type: ignore[arg-type]
        additional_headers=headers,
        proxy=None,
        open_timeout=EVENT_SECONDS,
    )


def next_event(socket: ClientConnection, name: str, **expected: object) -> dict[str, Any]:
    """The next event called `name` with the expected values, within a few seconds."""
    deadline = time.monotonic() + EVENT_SECONDS
    heard = []
    while (left := deadline - time.monotonic()) > 0:
        try:
            event: dict[str, Any] = json.loads(socket.recv(timeout=left))
        except TimeoutError:
            break
        heard.append(event)
        if event["event"] == name and all(event.get(k) == v for k, v in expected.items()):
            return event
    raise AssertionError(f"no {name} {expected} within {EVENT_SECONDS} s; heard {heard}")


def is_closed(socket: ClientConnection) -> bool:
    """Whether the server closes the socket within a few seconds (events before the close
    are passed over)."""
    deadline = time.monotonic() + EVENT_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        try:
            socket.recv(timeout=left)
        except ConnectionClosed:
            return True
        except TimeoutError:
            break
    return False


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def member(db: None) -> Member:
    # A member, not a new one: a new member's first posts wait for a moderator.
    member, _codes = actions.register_member(
        pseudonym="SteadyWren", password=PASSWORD, trust_level=TrustLevel.MEMBER
    )
    return member


@pytest.fixture
def thread(member: Member) -> Thread:
    return actions.start_thread(
        author=member,
        category=Category.objects.get(slug="questions-support"),
        title="Small steps",
        body="How did the first weeks go?",
    )


# --- Tests ------------------------------------------------------------------------------


def test_reply_posted_on_one_server_reaches_a_socket_on_another(
    sites: tuple[LiveSite, LiveSite], member: Member, thread: Thread
) -> None:
    site_a, site_b = sites
    writer = Browser(site_b)
    writer.sign_in(member)

    with open_socket(site_a, f"/ws/threads/{thread.pk}/") as socket:
        next_event(socket, "readers_changed")
        posted = writer.post(
            f"/t/{thread.pk}/reply/",
            {"body": "Posted on *B*, read on A."},
            token_from=f"/t/{thread.pk}/",
        )
        assert posted.status == 302, f"the reply answered {posted.status}"
        post = Post.objects.get(thread=thread, body="Posted on *B*, read on A.")
        assert posted.location == f"/p/{post.pk}/"

        event = next_event(socket, "reply_posted")

    assert event == {"event": "reply_posted", "post_id": post.pk, "html": event["html"]}
    assert "Posted on <em>B</em>, read on A." in event["html"]
    # The same bytes site A serves on its own thread page.
    assert event["html"] in Browser(site_a).get(f"/t/{thread.pk}/").html


# redis-py gives up a read after 5 seconds by default; with the list-based Redis layer,
# whose blocking pop waits as long, that closed every idle socket (1011) within seconds.
REDIS_DEFAULT_READ_SECONDS = 5


def test_an_idle_socket_stays_open_past_redis_reads_default_timeout_and_still_hears_replies(
    sites: tuple[LiveSite, LiveSite], member: Member, thread: Thread
) -> None:
    site_a, site_b = sites
    writer = Browser(site_b)
    writer.sign_in(member)
    with open_socket(site_a, f"/ws/threads/{thread.pk}/") as socket:
        next_event(socket, "readers_changed")
        with pytest.raises(TimeoutError):
            socket.recv(timeout=REDIS_DEFAULT_READ_SECONDS + 1.5)
        posted = writer.post(
            f"/t/{thread.pk}/reply/", {"body": "Still there?"}, token_from=f"/t/{thread.pk}/"
        )
        assert posted.status == 302, f"the reply answered {posted.status}"
        post = Post.objects.get(thread=thread, body="Still there?")

        next_event(socket, "reply_posted", post_id=post.pk)


def test_redis_layer_is_pub_sub_with_reads_longer_than_redis_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Deterministic twin of the test above, and independent of a running Redis: the
    # settings as production reads them, with REDIS_URL set.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    configured = runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"))
    layer = configured["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    for host in decode_hosts(layer["CONFIG"]["hosts"]):
        pool = create_pool(host)
        read_timeout = pool.connection_kwargs.get("socket_timeout")
        assert read_timeout is not None
        assert read_timeout > REDIS_DEFAULT_READ_SECONDS


def test_readers_are_counted_across_servers(
    sites: tuple[LiveSite, LiveSite], thread: Thread
) -> None:
    site_a, site_b = sites
    path = f"/ws/threads/{thread.pk}/"

    with open_socket(site_a, path) as on_a:
        next_event(on_a, "readers_changed", readers=1)
        with open_socket(site_b, path) as on_b:
            next_event(on_b, "readers_changed", readers=2)
            next_event(on_a, "readers_changed", readers=2)
        next_event(on_a, "readers_changed", readers=1)


def test_sign_out_on_one_server_closes_the_members_sockets_on_another(
    sites: tuple[LiveSite, LiveSite], member: Member, thread: Thread
) -> None:
    site_a, site_b = sites
    browser = Browser(site_b)
    browser.sign_in(member)

    with (
        open_socket(site_a, f"/ws/threads/{thread.pk}/", browser) as on_thread,
        open_socket(site_a, "/ws/me/", browser) as own,
    ):
        next_event(on_thread, "readers_changed")
        signed_out = browser.post("/logout/", {}, token_from="/")
        assert signed_out.status == 302

        assert is_closed(on_thread)
        assert is_closed(own)
