"""The header's unread notification count, live in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from forum.models import Member, Notification, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIVE_MS = 3_000
# Reconnects back off 1 s, 2 s, 4 s … with jitter.
RECONNECT_MS = 15_000


def _wait_until(page: Page, condition: Callable[[], bool], timeout_ms: int = LIVE_MS) -> None:
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page did not get there in time")


def _reply(page: Page, thread: Thread, body: str) -> None:
    page.goto(f"/t/{thread.pk}/reply/")
    page.get_by_label(label("Your reply")).fill(body)
    page.get_by_role("button", name="Post reply", exact=True).click()
    expect(page).to_have_url(re.compile(r"#post-\d+$"))


def test_the_header_count_follows_replies_and_reading_live(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    starter = make_member("SteadyWillow8")
    thread = make_thread(author=starter, title="Small steps")
    sign_in(page, starter)
    with page.expect_websocket(lambda socket: socket.url.endswith("/ws/me/")):
        page.goto("/")
    count = page.locator("#unread-count")
    expect(count).to_be_hidden()

    replier = open_context().new_page()
    sign_in(replier, make_member("PatientFern7"))
    _reply(replier, thread, "Hello.")
    expect(count).to_be_visible(timeout=LIVE_MS)
    expect(count).to_have_text(re.compile(r"^\s*\(1 unread\)\s*$"))
    _reply(replier, thread, "Again.")
    expect(count).to_have_text(re.compile(r"\(2 unread\)"), timeout=LIVE_MS)

    # Read in another tab: this one follows.
    other_tab = page.context.new_page()
    other_tab.goto("/notifications/")
    other_tab.get_by_role("button", name="Mark all as read").click()
    expect(other_tab.get_by_text("2 notifications marked as read.")).to_be_visible()
    expect(count).to_be_hidden(timeout=LIVE_MS)
    assert Notification.objects.filter(recipient=starter, read_at__isnull=True).count() == 0
    assert page_log.errors == []
    assert page_log.csp_violations() == []
    assert page_log.foreign_requests(live_site) == []


def test_a_count_that_changed_while_the_socket_was_down_is_fetched_on_reconnect(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    starter = make_member("SteadyWillow8")
    thread = make_thread(author=starter, title="Small steps")
    reachable = True
    sockets: list[WebSocketRoute] = []

    def route(socket: WebSocketRoute) -> None:
        if not reachable:
            socket.close(code=1011)
            return
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/me/$"), route)
    asked: list[str] = []
    page.on(
        "request", lambda request: asked.append(request.url) if "unread" in request.url else None
    )
    sign_in(page, starter)
    page.goto("/")
    _wait_until(page, lambda: len(sockets) >= 1 and len(asked) >= 1)
    sockets_before, asked_before = len(sockets), len(asked)
    count = page.locator("#unread-count")

    reachable = False
    sockets[-1].close(code=1006)
    replier = open_context().new_page()
    sign_in(replier, make_member("PatientFern7"))
    _reply(replier, thread, "Sent while the socket was down.")
    page.wait_for_timeout(1_500)
    expect(count).to_be_hidden()  # nothing heard: the socket is down

    reachable = True
    expect(count).to_have_text(re.compile(r"\(1 unread\)"), timeout=RECONNECT_MS)
    assert len(sockets) > sockets_before  # a new socket …
    assert len(asked) > asked_before  # … that asked for the count over HTTP
    assert page_log.errors == []
