"""Notifications: who is told about a reply, the live unread count on the member's own
socket, the notifications page, marking read, and who may see or mark what."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from pytest_django.fixtures import Settings

from forum import actions, broadcast
from forum.models import Member, Notification, Post, Thread
from forum.notifications_views import NOTIFICATIONS_PER_PAGE
from tests.helpers import client_for

PostFactory = Callable[..., Post]
ThreadFactory = Callable[..., Thread]
MemberFactory = Callable[..., Member]

# Pinned SQL queries: the session, the member, one aggregate (how many, how many unread,
# the newest id) and the page's notifications with their threads' titles.
NOTIFICATIONS_PAGE_QUERIES = 4
# The session, the member and the count.
UNREAD_COUNT_QUERIES = 3

REPLY = Notification.Kind.REPLY_IN_YOUR_THREAD
QUOTE = Notification.Kind.QUOTED_YOU


@pytest.fixture
def starter(make_member: MemberFactory) -> Member:
    return make_member("SteadyWren")


@pytest.fixture
def replier(make_member: MemberFactory) -> Member:
    return make_member("PatientFern")


@pytest.fixture
def quoted(make_member: MemberFactory) -> Member:
    return make_member("GentleOtter")


@pytest.fixture
def thread(make_thread: ThreadFactory, starter: Member) -> Thread:
    return make_thread(author=starter, title="Small steps", body="Where did you begin?")


@pytest.fixture
def quoted_post(thread: Thread, quoted: Member) -> Post:
    return actions.post_reply(author=quoted, thread=thread, body="Breathing first, then slowly.")


def _told(member: Member) -> list[tuple[str, int]]:
    return [
        (kind, post_id)
        for kind, post_id in Notification.objects.filter(recipient=member)
        .order_by("id")
        .values_list("kind", "post_id")
    ]


def _html(response: Any) -> str:
    return response.content.decode()


def _unread_in_json(client: Client) -> int:
    response = client.get("/notifications/unread/")
    assert response.status_code == 200
    return int(response.json()["unread"])


# --- Who is told ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_by_someone_else_notifies_the_threads_starter_once(
    thread: Thread, starter: Member, replier: Member
) -> None:
    post = actions.post_reply(author=replier, thread=thread, body="I began with reading.")

    assert _told(starter) == [(REPLY, post.pk)]
    assert _told(replier) == []
    notification = Notification.objects.get(recipient=starter)
    assert notification.read_at is None
    assert notification.created_at == post.created_at


@pytest.mark.django_db
def test_a_quote_notifies_the_quoted_author_and_the_starter_separately(
    thread: Thread, starter: Member, replier: Member, quoted: Member, quoted_post: Post
) -> None:
    post = actions.post_reply(
        author=replier, thread=thread, body="> Breathing first\n\nYes!", quoted_post=quoted_post
    )

    assert _told(quoted) == [(QUOTE, post.pk)]
    assert _told(starter) == [(REPLY, quoted_post.pk), (REPLY, post.pk)]


@pytest.mark.django_db
def test_a_starter_who_is_also_quoted_gets_one_notification_for_the_reply(
    thread: Thread, starter: Member, replier: Member
) -> None:
    opening = thread.posts.order_by("id").first()

    post = actions.post_reply(author=replier, thread=thread, body="> Where", quoted_post=opening)

    assert _told(starter) == [(QUOTE, post.pk)]


@pytest.mark.django_db
def test_nobody_is_notified_about_their_own_reply_or_their_own_quote(
    thread: Thread, starter: Member, quoted: Member, quoted_post: Post
) -> None:
    starter_before = _told(starter)

    actions.post_reply(author=starter, thread=thread, body="Replying to my own thread.")
    actions.post_reply(author=quoted, thread=thread, body="> me", quoted_post=quoted_post)

    assert _told(quoted) == []
    # The second reply is by someone else in the starter's thread: one more, no more.
    assert len(_told(starter)) == len(starter_before) + 1


@pytest.mark.django_db
def test_a_quote_of_a_deleted_post_or_a_post_of_another_thread_notifies_nobody_extra(
    make_thread: ThreadFactory,
    thread: Thread,
    replier: Member,
    quoted: Member,
    quoted_post: Post,
    make_member: MemberFactory,
) -> None:
    elsewhere_author = make_member("QuietHeron")
    elsewhere = make_thread(author=elsewhere_author, title="Another thread")
    elsewhere_post = elsewhere.posts.get()
    actions.delete_post(member=quoted, post=quoted_post)
    quoted_post.refresh_from_db()

    actions.post_reply(author=replier, thread=thread, body="a", quoted_post=quoted_post)
    actions.post_reply(author=replier, thread=thread, body="b", quoted_post=elsewhere_post)

    assert _told(quoted) == []
    assert _told(elsewhere_author) == []


@pytest.mark.django_db
def test_a_reply_sent_twice_notifies_once(thread: Thread, starter: Member, replier: Member) -> None:
    token = uuid.uuid4()
    for _ in range(2):
        actions.post_reply(
            author=replier, thread=thread, body="Sent twice.", submission_token=token
        )

    assert len(_told(starter)) == 1


# --- The Quote link carries the quoted post ----------------------------------------------


@pytest.mark.django_db
def test_the_quote_link_carries_the_post_in_a_hidden_field_and_its_author_is_told(
    thread: Thread, replier: Member, quoted: Member, quoted_post: Post
) -> None:
    client = client_for(replier)
    form = _html(client.get(f"/t/{thread.pk}/reply/?quote={quoted_post.pk}"))
    assert re.search(rf'<input type="hidden" name="quote" value="{quoted_post.pk}"', form)

    response = client.post(
        f"/t/{thread.pk}/reply/", {"body": "> Breathing\n\nThank you.", "quote": quoted_post.pk}
    )

    posted = Post.objects.get(thread=thread, body="> Breathing\n\nThank you.")
    assert response.status_code == 302
    assert _told(quoted) == [(QUOTE, posted.pk)]


@pytest.mark.django_db
def test_the_quote_field_survives_a_preview(
    thread: Thread, replier: Member, quoted_post: Post
) -> None:
    page = _html(
        client_for(replier).post(
            f"/t/{thread.pk}/reply/", {"body": "> x", "quote": quoted_post.pk, "preview": "1"}
        )
    )

    assert re.search(rf'<input type="hidden" name="quote" value="{quoted_post.pk}"', page)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999", "1" * 30, "elsewhere"])
def test_a_tampered_quote_field_still_posts_the_reply_and_notifies_no_one_else(
    make_thread: ThreadFactory,
    thread: Thread,
    starter: Member,
    replier: Member,
    make_member: MemberFactory,
    value: str,
) -> None:
    other_author = make_member("QuietHeron")
    if value == "elsewhere":
        value = str(make_thread(author=other_author, title="Elsewhere").posts.get().pk)

    response = client_for(replier).post(
        f"/t/{thread.pk}/reply/", {"body": "Hello.", "quote": value}
    )

    assert response.status_code == 302
    assert Post.objects.filter(thread=thread, body="Hello.").exists()
    assert [kind for kind, _post in _told(starter)] == [REPLY]
    assert _told(other_author) == []


# --- The live count: after commit, to the member's own group -----------------------------


@pytest.fixture
def memory_layer(settings: Settings) -> InMemoryChannelLayer:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)
    return layer


def _listen(layer: InMemoryChannelLayer, member: Member) -> str:
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(broadcast.member_group(member.pk), channel)
    return channel


def _heard(layer: InMemoryChannelLayer, channel: str) -> list[dict[str, Any]]:
    """Every message waiting on the channel, without waiting for more: its type, and
    the text every socket of the member is sent, read."""

    async def drain() -> list[dict[str, Any]]:
        messages = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.05)
            except TimeoutError:
                return messages
            messages.append({"type": message["type"], **json.loads(message["text"])})

    return async_to_sync(drain)()


@pytest.mark.django_db
def test_a_reply_tells_the_starters_pages_the_new_unread_count_after_commit(
    memory_layer: InMemoryChannelLayer,
    thread: Thread,
    starter: Member,
    replier: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    channel = _listen(memory_layer, starter)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.post_reply(author=replier, thread=thread, body="First.")
    assert _heard(memory_layer, channel) == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert _heard(memory_layer, channel) == [
        {"type": "member.event", "event": "notifications_changed", "unread": 1}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_reply(author=replier, thread=thread, body="Second.")
    assert _heard(memory_layer, channel) == [
        {"type": "member.event", "event": "notifications_changed", "unread": 2}
    ]


@pytest.mark.django_db
def test_reading_and_deleting_send_the_lower_count(
    memory_layer: InMemoryChannelLayer,
    thread: Thread,
    starter: Member,
    replier: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = actions.post_reply(author=replier, thread=thread, body="First.")
    actions.post_reply(author=replier, thread=thread, body="Second.")
    third = actions.post_reply(author=replier, thread=thread, body="Third.")
    channel = _listen(memory_layer, starter)

    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_notification_read(
            member=starter, notification=Notification.objects.get(post=first)
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_post(member=replier, post=third)
    with django_capture_on_commit_callbacks(execute=True):
        actions.mark_all_notifications_read(member=starter)
    with django_capture_on_commit_callbacks(execute=True) as nothing_left:
        actions.mark_all_notifications_read(member=starter)

    assert [message.get("unread") for message in _heard(memory_layer, channel)] == [2, 1, 0]
    assert nothing_left == []


@pytest.mark.django_db
def test_a_reply_by_the_starter_tells_nobodys_pages_anything(
    memory_layer: InMemoryChannelLayer,
    thread: Thread,
    starter: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    channel = _listen(memory_layer, starter)

    with django_capture_on_commit_callbacks(execute=True):
        actions.post_reply(author=starter, thread=thread, body="Mine.")

    assert _heard(memory_layer, channel) == []


@pytest.mark.django_db
def test_a_channel_layer_that_raises_does_not_fail_the_reply_and_is_logged(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    thread: Thread,
    starter: Member,
    replier: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def unreachable() -> None:
        raise ConnectionError("the channel layer is unreachable")

    monkeypatch.setattr(broadcast, "get_channel_layer", unreachable)
    caplog.set_level(logging.INFO, logger="ownpace.broadcast")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(replier).post(f"/t/{thread.pk}/reply/", {"body": "Saved."})

    assert response.status_code == 302
    post = Post.objects.get(thread=thread, body="Saved.")
    assert _told(starter) == [(REPLY, post.pk)]
    failures = [
        record
        for record in caplog.records
        if record.name == "ownpace.broadcast" and "notifications_changed" in record.getMessage()
    ]
    assert len(failures) == 1
    assert failures[0].levelno == logging.WARNING
    assert "Saved." not in caplog.text


@pytest.mark.django_db
def test_a_count_that_cannot_be_read_does_not_fail_the_reply_and_is_logged(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    memory_layer: InMemoryChannelLayer,
    thread: Thread,
    starter: Member,
    replier: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(broadcast.Notification.objects, "for_recipient", broken)
    caplog.set_level(logging.INFO, logger="ownpace.broadcast")
    channel = _listen(memory_layer, starter)

    with django_capture_on_commit_callbacks(execute=True):
        actions.post_reply(author=replier, thread=thread, body="Still saved.")

    assert Post.objects.filter(body="Still saved.").exists()
    assert _heard(memory_layer, channel) == []
    assert "notifications_changed" in caplog.text


# --- The header -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/c/questions-support/", "thread", "/settings/"])
def test_every_page_of_a_member_has_the_notifications_link_and_its_live_script(
    thread: Thread, starter: Member, path: str
) -> None:
    html = _html(client_for(starter).get(thread.get_absolute_url() if path == "thread" else path))

    link = re.search(r'<a href="/notifications/" id="notifications-link"[^>]*>', html)
    assert link is not None
    assert 'data-unread-url="/notifications/unread/"' in link.group(0)
    assert 'data-socket-path="/ws/me/"' in link.group(0)
    assert '<script src="/static/js/notifications.js" defer></script>' in html
    assert "<script>" not in html  # no inline script: the CSP allows none


@pytest.mark.django_db
def test_visitors_get_neither_the_link_nor_the_script(client: Client, thread: Thread) -> None:
    html = _html(client.get(thread.get_absolute_url()))

    assert "notifications-link" not in html
    assert "notifications.js" not in html


@pytest.mark.django_db
def test_the_header_count_is_served_for_the_live_script_and_shown_on_the_notifications_page(
    thread: Thread, starter: Member, replier: Member
) -> None:
    client = client_for(starter)
    assert _unread_in_json(client) == 0
    assert re.search(r'<span id="unread-count" hidden>', _html(client.get("/notifications/")))

    for n in range(3):
        actions.post_reply(author=replier, thread=thread, body=f"Reply {n}.")

    assert _unread_in_json(client) == 3
    header = _html(client.get("/notifications/")).split("</header>")[0]
    assert re.search(r'<span id="unread-count"> \(<span data-count>3</span>', header)


@pytest.mark.django_db
def test_the_unread_count_is_refused_to_visitors_and_never_cached(
    client: Client, signed_in: Client
) -> None:
    refused = client.get("/notifications/unread/")
    served = signed_in.get("/notifications/unread/")

    assert refused.status_code == 403
    assert "unread" not in refused.json()
    assert "no-store" in served["Cache-Control"]


@pytest.mark.django_db
def test_the_unread_count_costs_a_pinned_number_of_queries(
    thread: Thread,
    starter: Member,
    replier: Member,
    django_assert_num_queries: Any,
) -> None:
    client = client_for(starter)
    with django_assert_num_queries(UNREAD_COUNT_QUERIES):
        client.get("/notifications/unread/")
    for n in range(5):
        actions.post_reply(author=replier, thread=thread, body=f"Reply {n}.")
    with django_assert_num_queries(UNREAD_COUNT_QUERIES):
        client.get("/notifications/unread/")


# --- The notifications page ------------------------------------------------------------


def _rows(html: str) -> list[str]:
    return re.findall(r'<li class="thread-row notification.*?</li>', html, flags=re.S)


def _row_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-notification-id="(\d+)"', html)]


@pytest.mark.django_db
def test_the_page_lists_notifications_newest_first_with_kind_title_and_a_way_to_the_post(
    make_thread: ThreadFactory,
    starter: Member,
    replier: Member,
    quoted: Member,
) -> None:
    early = make_thread(author=starter, title="Early thread")
    later = make_thread(author=starter, title="Later thread")
    mine = actions.post_reply(author=starter, thread=early, body="My own words.")
    first = actions.post_reply(author=replier, thread=early, body="Hello early.")
    second = actions.post_reply(author=quoted, thread=later, body="Hello later.")
    third = actions.post_reply(author=replier, thread=early, body="> My own", quoted_post=mine)
    notes = {n.post_id: n for n in Notification.objects.filter(recipient=starter)}

    html = _html(client_for(starter).get("/notifications/"))

    assert _row_ids(html) == [notes[third.pk].pk, notes[second.pk].pk, notes[first.pk].pk]
    rows = _rows(html)
    assert "Someone quoted you" in rows[0]
    assert "Early thread" in rows[0]
    assert "New reply in your thread" in rows[1]
    assert "Later thread" in rows[1]
    assert f'action="/notifications/{notes[third.pk].pk}/"' in rows[0]
    assert all('<span class="badge">New</span>' in row for row in rows)
    assert "1 unread notification" not in html
    assert "3 unread notifications." in html


@pytest.mark.django_db
def test_opening_the_page_marks_nothing_read(
    thread: Thread, starter: Member, replier: Member
) -> None:
    actions.post_reply(author=replier, thread=thread, body="Hi.")
    client = client_for(starter)

    client.get("/notifications/")
    client.get("/notifications/")

    assert Notification.objects.filter(recipient=starter, read_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_following_a_notification_marks_it_read_and_leads_to_the_post(
    thread: Thread, starter: Member, replier: Member
) -> None:
    post = actions.post_reply(author=replier, thread=thread, body="Hi.")
    other = actions.post_reply(author=replier, thread=thread, body="Again.")
    note = Notification.objects.get(post=post)
    client = client_for(starter)

    response = client.post(f"/notifications/{note.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/p/{post.pk}/"
    assert client.get(response["Location"])["Location"].endswith(f"#post-{post.pk}")
    note.refresh_from_db()
    assert note.read_at is not None
    assert Notification.objects.get(post=other).read_at is None
    row = next(row for row in _rows(_html(client.get("/notifications/"))) if f'"{note.pk}"' in row)
    assert f'<a href="/p/{post.pk}/">Small steps</a>' in row
    assert "badge" not in row
    # Following it again keeps the first reading time.
    first_read = note.read_at
    client.post(f"/notifications/{note.pk}/")
    note.refresh_from_db()
    assert note.read_at == first_read


@pytest.mark.django_db
def test_a_notification_is_followed_only_by_post(
    thread: Thread, starter: Member, replier: Member
) -> None:
    actions.post_reply(author=replier, thread=thread, body="Hi.")
    note = Notification.objects.get(recipient=starter)

    response = client_for(starter).get(f"/notifications/{note.pk}/")

    assert response.status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.django_db
def test_mark_all_as_read_marks_what_the_page_showed_and_not_what_came_after(
    thread: Thread, starter: Member, replier: Member
) -> None:
    for n in range(3):
        actions.post_reply(author=replier, thread=thread, body=f"Reply {n}.")
    client = client_for(starter)
    page = _html(client.get("/notifications/"))
    through = re.search(r'name="through" value="(\d+)"', page)
    assert through is not None
    assert "Mark all as read" in page
    actions.post_reply(author=replier, thread=thread, body="Arrived after the page.")

    response = client.post("/notifications/read/", {"through": through.group(1)})

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    after = _html(client.get(response["Location"]))
    assert "3 notifications marked as read." in after
    assert _unread_in_json(client) == 1
    assert client.post("/notifications/read/").status_code == 302
    assert _unread_in_json(client) == 0
    assert "Mark all as read" not in _html(client.get("/notifications/"))


@pytest.mark.django_db
def test_the_page_shows_thirty_a_page(thread: Thread, starter: Member, replier: Member) -> None:
    posts = [
        actions.post_reply(author=replier, thread=thread, body=f"Reply {n}.")
        for n in range(NOTIFICATIONS_PER_PAGE + 2)
    ]
    client = client_for(starter)

    first = _html(client.get("/notifications/"))
    second = _html(client.get("/notifications/?page=2"))

    assert NOTIFICATIONS_PER_PAGE == 30
    assert len(_row_ids(first)) == 30
    newest_first = list(
        Notification.objects.filter(post__in=posts)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert _row_ids(first) + _row_ids(second) == newest_first
    assert "Page 1 of 2" in first


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_however_many_notifications(
    thread: Thread,
    make_thread: ThreadFactory,
    starter: Member,
    replier: Member,
    django_assert_num_queries: Any,
) -> None:
    client = client_for(starter)
    with django_assert_num_queries(NOTIFICATIONS_PAGE_QUERIES - 1):
        client.get("/notifications/")  # nothing to list, so no list is read
    actions.post_reply(author=replier, thread=thread, body="One.")
    with django_assert_num_queries(NOTIFICATIONS_PAGE_QUERIES):
        client.get("/notifications/")

    for n in range(40):
        where = thread if n % 2 else make_thread(author=starter, title=f"Thread {n}")
        actions.post_reply(author=replier, thread=where, body=f"Reply {n}.")
    with django_assert_num_queries(NOTIFICATIONS_PAGE_QUERIES):
        client.get("/notifications/")
    with django_assert_num_queries(NOTIFICATIONS_PAGE_QUERIES):
        client.get("/notifications/?page=2")


@pytest.mark.django_db
def test_a_deleted_reply_takes_its_notification_with_it(
    thread: Thread, starter: Member, replier: Member
) -> None:
    post = actions.post_reply(author=replier, thread=thread, body="Soon gone.")
    note = Notification.objects.get(post=post)
    client = client_for(starter)
    assert _unread_in_json(client) == 1

    actions.delete_post(member=replier, post=post)

    assert _unread_in_json(client) == 0
    assert _row_ids(_html(client.get("/notifications/"))) == []
    assert client.post(f"/notifications/{note.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_notification_reveals_no_more_than_the_thread_page(
    thread: Thread, starter: Member, replier: Member
) -> None:
    actions.post_reply(author=replier, thread=thread, body="Something **private** to say.")

    html = _html(client_for(starter).get("/notifications/"))
    main = html.split('<main id="main"')[1]

    # Kind, title, time and the way to the post: not who wrote it nor what they wrote.
    assert replier.pseudonym not in main
    assert "private" not in main
    assert f"member-{replier.pk}" not in html


# --- Whose notifications ---------------------------------------------------------------


@pytest.mark.django_db
def test_other_members_can_neither_see_nor_mark_someone_elses_notifications(
    thread: Thread, starter: Member, replier: Member, make_member: MemberFactory
) -> None:
    actions.post_reply(author=replier, thread=thread, body="For the starter.")
    note = Notification.objects.get(recipient=starter)
    snoop = client_for(make_member("CuriousLark"))

    assert _row_ids(_html(snoop.get("/notifications/"))) == []
    assert _unread_in_json(snoop) == 0
    assert snoop.post(f"/notifications/{note.pk}/").status_code == 404
    snoop.post("/notifications/read/", {"through": str(note.pk)})
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.django_db
def test_the_action_refuses_to_mark_someone_elses_notification(
    thread: Thread, starter: Member, replier: Member
) -> None:
    actions.post_reply(author=replier, thread=thread, body="For the starter.")
    note = Notification.objects.get(recipient=starter)

    with pytest.raises(actions.ActionRefused):
        actions.mark_notification_read(member=replier, notification=note)
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/notifications/"), ("post", "/notifications/1/"), ("post", "/notifications/read/")],
)
def test_visitors_are_sent_to_sign_in(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["one", "/notifications/read/"])
def test_marking_read_needs_the_csrf_token(
    thread: Thread, starter: Member, replier: Member, path: str
) -> None:
    actions.post_reply(author=replier, thread=thread, body="Hi.")
    note = Notification.objects.get(recipient=starter)
    target = f"/notifications/{note.pk}/" if path == "one" else path
    client = client_for(starter, enforce_csrf_checks=True)

    refused = client.post(target)
    note.refresh_from_db()
    assert refused.status_code == 403
    assert note.read_at is None

    page = _html(client.get("/notifications/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    accepted = client.post(target, {"csrfmiddlewaretoken": token.group(1)})
    note.refresh_from_db()
    assert accepted.status_code == 302
    assert note.read_at is not None


# --- The member's own socket ------------------------------------------------------------


def _socket_headers(member: Member | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver")]
    if member is not None:
        client = Client()
        client.force_login(member)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


def _member_socket(headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    from config.asgi import application

    return WebsocketCommunicator(application, "/ws/me/", headers=headers)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_visitors_member_socket_is_refused() -> None:
    socket = _member_socket(await sync_to_async(_socket_headers)(None))

    connected, _code = await socket.connect()

    assert not connected
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_members_socket_hears_the_new_count_when_someone_replies_in_their_thread(
    thread: Thread, starter: Member, replier: Member
) -> None:
    socket = _member_socket(await sync_to_async(_socket_headers)(starter))
    connected, _code = await socket.connect()
    assert connected

    await sync_to_async(actions.post_reply)(author=replier, thread=thread, body="Hello there.")

    heard = await socket.receive_json_from(timeout=5)
    assert heard == {"event": "notifications_changed", "unread": 1}
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"event": "pong"}
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_members_socket_hears_nothing_of_other_members_notifications(
    thread: Thread, replier: Member, make_member: MemberFactory
) -> None:
    bystander = await sync_to_async(make_member)("CuriousLark")
    socket = _member_socket(await sync_to_async(_socket_headers)(bystander))
    connected, _code = await socket.connect()
    assert connected

    await sync_to_async(actions.post_reply)(author=replier, thread=thread, body="Not for you.")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
