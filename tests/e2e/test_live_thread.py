"""Live thread pages in a real browser: replies, edits and readers arrive over the socket,
and whatever a dropped socket missed is fetched over HTTP when it comes back."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from forum import broadcast
from forum.models import Member, Post, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The issue asks for a new reply on every open page within a second of the POST; the
# expectations allow a little more so that a loaded CI machine does not flake.
LIVE_MS = 2_000
# A reconnect waits 1 s, 2 s, 4 s … (±30%) after each failed attempt.
RECONNECT_MS = 15_000
SOCKETS = re.compile(r"/ws/threads/\d+/$")


@pytest.fixture
def author(make_member: Callable[..., Member]) -> Member:
    return make_member("SteadyWillow8")


def post_reply(page: Page, body: str) -> Post:
    """Post through the page's own reply form, as a member would; the newest post."""
    page.get_by_label(label("Your reply")).fill(body)
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_role("button", name="Post reply", exact=True).click()
    posted = Post.objects.filter(body=body).get()
    expect(page).to_have_url(re.compile(rf"#post-{posted.pk}$"))
    return posted


def shown_ids(page: Page) -> list[int]:
    return [
        int(value)
        for value in page.locator("#posts article.post").evaluate_all(
            "articles => articles.map(article => article.dataset.postId)"
        )
    ]


def losing_replies(page: Page) -> list[WebSocketRoute]:
    """Route the page's thread sockets through the test, dropping every reply_posted
    message; the routes, to send the page messages of the test's own."""
    routes: list[WebSocketRoute] = []

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        server.on_message(
            lambda message: None if "reply_posted" in str(message) else socket.send(message)
        )
        routes.append(socket)

    page.route_web_socket(SOCKETS, route)
    return routes


def thread_ids(thread: Thread) -> list[int]:
    return list(Post.objects.filter(thread=thread).order_by("id").values_list("pk", flat=True))


def test_live_thread_shows_a_new_reply_once_on_every_open_page(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Small steps this week")
    visitor = page
    visitor.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, author)
    writer.goto(thread.get_absolute_url())
    # Both sockets have joined the thread.
    expect(visitor.locator("#live-readers")).to_have_text("2 reading now")

    reply = post_reply(writer, "I used the smallest dilator for a minute. A start!")
    posted_at = time.monotonic()
    expect(visitor.locator(f"#post-{reply.pk}")).to_be_visible(timeout=LIVE_MS)
    arrived_after = time.monotonic() - posted_at

    expect(visitor.locator(f"#post-{reply.pk} .post-body")).to_contain_text("smallest dilator")
    expect(visitor.locator("#live-announce")).to_have_text("1 new reply")
    # At the end of the list a reply simply appears: no button to press.
    expect(visitor.locator("#live-new")).to_be_hidden()
    assert shown_ids(visitor) == thread_ids(thread)
    # The author's page was redirected to the reply and has it once, from the page itself
    # and the catch-up alike.
    expect(writer.locator(f"#post-{reply.pk}")).to_have_count(1)
    writer.wait_for_timeout(300)
    assert shown_ids(writer) == thread_ids(thread)
    assert arrived_after < 1.0, f"the reply took {arrived_after:.2f} s to arrive"

    assert page_log.foreign_requests(live_site) == []
    assert page_log.csp_violations() == []
    assert page_log.errors == []


def test_live_thread_keeps_a_scrolled_up_reader_in_place_and_offers_a_button(
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
    make_reply: Callable[..., Post],
) -> None:
    thread = make_thread(author=author, title="A long conversation")
    for number in range(25):
        make_reply(thread, author=author, body=f"Reply number {number}, with a few words.")
    reader = page
    reader.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, author)
    writer.goto(thread.get_absolute_url())
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")
    reader.evaluate("window.scrollTo(0, 0)")

    reply = post_reply(writer, "Catching up on everything you all wrote.")

    button = reader.get_by_role("button", name="1 new reply")
    expect(button).to_be_visible(timeout=LIVE_MS)
    expect(reader.locator("#live-announce")).to_have_text("1 new reply")
    assert reader.evaluate("window.scrollY") == 0, "the page moved under its reader"
    new_post = reader.locator(f"#post-{reply.pk}")
    expect(new_post).to_be_hidden()

    button.click()
    expect(new_post).to_be_visible()
    expect(new_post).to_be_in_viewport()
    expect(new_post).to_be_focused()
    expect(button).to_be_hidden()
    assert shown_ids(reader) == thread_ids(thread)
    assert page_log.errors == []


def test_live_thread_fetches_exactly_what_it_missed_after_a_reconnect(
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Nothing is lost")
    reader = page
    reachable = True
    sockets: list[WebSocketRoute] = []

    def route(socket: WebSocketRoute) -> None:
        # While the network is "down" every attempt fails as a refused connection would.
        if not reachable:
            socket.close(code=1011)
            return
        socket.connect_to_server()
        sockets.append(socket)

    reader.route_web_socket(SOCKETS, route)
    catch_ups: list[str] = []
    reader.on(
        "request",
        lambda request: catch_ups.append(request.url) if "/posts/" in request.url else None,
    )
    reader.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, author)
    writer.goto(thread.get_absolute_url())
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")
    heard = post_reply(writer, "This one arrives live.")
    expect(reader.locator(f"#post-{heard.pk}")).to_be_visible(timeout=LIVE_MS)

    # The connection drops, and stays down while two replies are published.
    reachable = False
    sockets[-1].close(code=1001)
    expect(reader.locator("#live-status[role=status]")).to_have_text(
        re.compile("Live updates paused")
    )
    writer.goto(thread.get_absolute_url())
    missed = [post_reply(writer, f"Written while you were away, part {n}.") for n in (1, 2)]
    reader.wait_for_timeout(500)
    for post in missed:
        expect(reader.locator(f"#post-{post.pk}")).to_have_count(0)
    catch_ups.clear()

    # It comes back: the page reconnects and fetches the two, in order, once each.
    reachable = True
    for post in missed:
        expect(reader.locator(f"#post-{post.pk}")).to_be_visible(timeout=RECONNECT_MS)
    expect(reader.locator("#live-status")).to_be_hidden()
    assert shown_ids(reader) == thread_ids(thread)
    assert f"/t/{thread.pk}/posts/?after={heard.pk}" in catch_ups[0]
    expect(reader.locator("#live-announce")).to_have_text("2 new replies")
    assert page_log.errors == []


def test_live_thread_replaces_an_edited_or_deleted_post_in_place(
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
    make_reply: Callable[..., Post],
) -> None:
    thread = make_thread(title="Edits travel too")
    edited = make_reply(thread, author=author, body="My first try, with a typo: dilater.")
    deleted = make_reply(thread, author=author, body="Something I would rather take back.")
    last = make_reply(thread, body="A reply after them both.")
    reader = page
    reader.goto(thread.get_absolute_url())
    members = open_context()
    editor, watcher = members.new_page(), members.new_page()
    sign_in(editor, author)
    watcher.goto(thread.get_absolute_url())
    expect(watcher.locator(f"#post-{deleted.pk} + .viewer-actions")).to_have_count(1)
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")

    editor.goto(f"/p/{edited.pk}/edit/")
    editor.get_by_label(label("Your post")).fill("My first try, now spelled right: dilator.")
    editor.get_by_role("button", name="Save changes", exact=True).click()
    expect(editor).to_have_url(re.compile(rf"#post-{edited.pk}$"))

    for seen in (reader, watcher):
        body = seen.locator(f"#post-{edited.pk} .post-body")
        expect(body).to_have_text("My first try, now spelled right: dilator.", timeout=LIVE_MS)
        expect(seen.locator(f"#post-{edited.pk} .post-edited")).to_have_text("edited")
    # The author's own links beside the edited post stay where they were.
    expect(watcher.locator(f"#post-{edited.pk} + .viewer-actions")).to_have_count(1)

    editor.goto(f"/p/{deleted.pk}/delete/")
    editor.get_by_role("button", name="Delete it", exact=True).click()
    for seen in (reader, watcher):
        tombstone = seen.locator(f"#post-{deleted.pk} .tombstone")
        expect(tombstone).to_be_visible(timeout=LIVE_MS)
        expect(seen.get_by_text("Something I would rather take back.")).to_have_count(0)
    # A deleted post has nothing left to edit or delete.
    expect(watcher.locator(f"#post-{deleted.pk} + .viewer-actions")).to_have_count(0)
    assert shown_ids(reader) == shown_ids(watcher) == thread_ids(thread)
    assert last.pk == shown_ids(reader)[-1]
    assert page_log.errors == []


def test_live_thread_counts_readers_only_from_two(
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Who is here?")
    first = page
    first.goto(thread.get_absolute_url())
    readers = first.locator("#live-readers")
    first.wait_for_timeout(500)
    expect(readers).to_be_hidden()

    second = open_context().new_page()
    second.goto(thread.get_absolute_url())
    expect(readers).to_have_text("2 reading now", timeout=LIVE_MS)
    expect(second.locator("#live-readers")).to_have_text("2 reading now", timeout=LIVE_MS)

    second.close()
    expect(readers).to_be_hidden(timeout=LIVE_MS)
    assert page_log.errors == []


def test_live_thread_without_a_socket_says_paused_and_still_posts(
    page: Page,
    page_log: PageLog,
    author: Member,
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="No socket today")
    reachable = False

    def route(socket: WebSocketRoute) -> None:
        if reachable:
            socket.connect_to_server()
        else:
            socket.close(code=1011)

    page.route_web_socket(SOCKETS, route)
    sign_in(page, author)
    page.goto(thread.get_absolute_url())
    status = page.locator("#live-status[role=status]")
    expect(status).to_have_text("Live updates paused — reconnecting…")

    reply = post_reply(page, "Posting works without the live connection.")
    expect(page.locator(f"#post-{reply.pk}")).to_be_visible()
    expect(status).to_have_text("Live updates paused — reconnecting…")
    assert shown_ids(page) == thread_ids(thread)

    # Once the socket connects, the status goes quiet again.
    reachable = True
    expect(page.locator("#live-status")).to_be_hidden(timeout=RECONNECT_MS)
    assert page_log.errors == []


def test_live_thread_on_an_earlier_page_links_to_new_replies(
    page: Page,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
    make_reply: Callable[..., Post],
) -> None:
    thread = make_thread(author=author, title="Many pages")
    for number in range(30):
        make_reply(thread, author=author, body=f"Filling page one, reply {number}.")
    page.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, author)
    writer.goto(f"{thread.get_absolute_url()}?page=2")
    expect(page.locator("#live-readers")).to_have_text("2 reading now")
    before = shown_ids(page)

    reply = post_reply(writer, "A reply on the second page.")

    link = page.get_by_role("link", name="New replies on the last page")
    expect(link).to_be_visible(timeout=LIVE_MS)
    assert shown_ids(page) == before
    link.click()
    expect(page).to_have_url(re.compile(rf"\?page=2#post-{reply.pk}$"))
    expect(page.locator(f"#post-{reply.pk}")).to_be_visible()


def test_live_thread_catches_up_on_a_lost_message_when_the_tab_is_shown_again(
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="A message goes missing")
    reader = page
    # Group sends are at-most-once: this connection loses every new reply.
    losing_replies(reader)
    reader.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, author)
    writer.goto(thread.get_absolute_url())
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")
    lost = post_reply(writer, "This one never reaches the open socket.")
    reader.wait_for_timeout(500)
    expect(reader.locator(f"#post-{lost.pk}")).to_have_count(0)

    # The reader comes back to the tab: the page asks what it missed.
    reader.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(reader.locator(f"#post-{lost.pk}")).to_be_visible(timeout=LIVE_MS)
    assert shown_ids(reader) == thread_ids(thread)
    assert page_log.errors == []


def test_live_thread_adds_replies_the_server_sends_after_an_outage_without_fetching(
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    author: Member,
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Back after an outage")
    reader = page
    # As while the channel layer is down: no reply reaches the open page.
    sockets = losing_replies(reader)
    reader.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, author)
    writer.goto(thread.get_absolute_url())
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")
    missed = [post_reply(writer, f"Posted while Redis was down, part {n}.") for n in (1, 2)]
    reader.wait_for_timeout(500)
    expect(reader.locator("article.post")).to_have_count(1)
    catch_ups: list[str] = []
    reader.on(
        "request",
        lambda request: catch_ups.append(request.url) if "/posts/" in request.url else None,
    )

    # The layer answers again: the server sends what the page missed, twice (the second
    # time for server processes that listen again late). Each reply is added once, in
    # order, and the page asks for nothing.
    sent = broadcast._missed_event(thread.pk, [post.pk for post in missed])
    assert sent is not None
    for _ in range(2):
        sockets[-1].send(sent[1]["text"])
    for post in missed:
        expect(reader.locator(f"#post-{post.pk}")).to_be_visible(timeout=LIVE_MS)
    expect(reader.locator("#live-announce")).to_have_text("2 new replies")
    assert shown_ids(reader) == thread_ids(thread)
    reader.wait_for_timeout(300)
    assert catch_ups == []

    # Sent without its posts (the database was down too): the page fetches them.
    third = post_reply(writer, "Posted while the database was down as well.")
    without_posts = json.dumps(
        {"event": "replies_missed", "after": missed[-1].pk, "posts": [], "more": True}
    )
    sockets[-1].send(without_posts)
    expect(reader.locator(f"#post-{third.pk}")).to_be_visible(timeout=LIVE_MS)
    assert shown_ids(reader) == thread_ids(thread)
    assert len(catch_ups) == 1
    assert catch_ups[0].endswith(f"/t/{thread.pk}/posts/?after={missed[-1].pk}")
    assert page_log.errors == []


def test_live_thread_stops_retrying_when_the_socket_is_not_allowed(
    page: Page, page_log: PageLog, make_thread: Callable[..., Thread]
) -> None:
    thread = make_thread(title="Not for this socket")
    attempts: list[str] = []

    def refuse(socket: WebSocketRoute) -> None:
        attempts.append(socket.url)
        socket.close(code=4403, reason="not allowed")

    page.route_web_socket(SOCKETS, refuse)
    page.goto(thread.get_absolute_url())
    expect(page.locator("#live-status[role=status]")).to_have_text("Live updates are off")
    page.wait_for_timeout(2_500)
    assert len(attempts) == 1
    # The page itself still reads as before.
    expect(page.locator("#posts article.post")).to_have_count(1)
    assert page_log.errors == []


def test_live_thread_shows_lock_move_unlock_and_removal_as_they_happen(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    author: Member,
    make_thread: Callable[..., Thread],
) -> None:
    # The moderators' actions send these events (tested with them); here the page's own
    # socket delivers them as the server would, to see what the page makes of them.
    thread = make_thread(title="Changes while you read")
    sockets: list[WebSocketRoute] = []

    def route(socket: WebSocketRoute) -> None:
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(SOCKETS, route)
    sign_in(page, author)
    page.goto(thread.get_absolute_url())
    expect(page.locator("#live-readers")).to_be_hidden()
    page.wait_for_function("() => document.getElementById('live-status').textContent === ''")
    page.wait_for_timeout(300)
    assert len(sockets) == 1
    reply_box = page.get_by_label(label("Your reply"))
    expect(reply_box).to_be_visible()

    sockets[0].send('{"event": "thread_locked"}')
    expect(page.locator("#reply-locked")).to_have_text(
        "This thread is locked, so it takes no new replies."
    )
    expect(reply_box).to_have_count(0)

    sockets[0].send('{"event": "thread_unlocked"}')
    unlocked = page.locator("#live-notes p", has_text="unlocked")
    expect(unlocked).to_be_visible()
    expect(unlocked.get_by_role("link", name="Reload the page to reply")).to_have_attribute(
        "href", thread.get_absolute_url()
    )

    sockets[0].send(
        '{"event": "thread_moved", "category_name": "Partners", "category_url": "/c/partners/"}'
    )
    expect(page.locator("#thread-category")).to_have_text("Partners")
    expect(page.locator("#thread-category")).to_have_attribute("href", "/c/partners/")
    expect(page.locator("#live-notes")).to_contain_text("This thread was moved to Partners.")

    sockets[0].send('{"event": "thread_removed", "guideline_title": "No advertising or spam"}')
    sockets[0].close(code=1000)
    removed = page.locator("#live-notes p[role=alert]")
    expect(removed).to_contain_text("This thread was removed by a moderator.")
    expect(removed.get_by_role("link")).to_have_text(
        "It did not fit the guideline “No advertising or spam”."
    )
    expect(page.locator("#posts")).to_be_hidden()
    expect(page.locator("#reply")).to_be_hidden()
    # It stops listening: no reconnect, no "paused" state.
    page.wait_for_timeout(2_500)
    assert len(sockets) == 1
    expect(page.locator("#live-status")).to_have_text("")
    assert page_log.errors == []
    assert page_log.csp_violations() == []
