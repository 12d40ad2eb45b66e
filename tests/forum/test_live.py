"""Live threads: the read-only sockets of the real ASGI application, and the HTTP catch-up
that makes sure a page that lost its socket loses no post.

Socket tests drive `config.asgi.application` through Channels' WebsocketCommunicator with
the in-memory layer (or Redis, when REDIS_URL is set). They are transactional: the
consumer reads the database from another thread, and a broadcast leaves only on commit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.test import Client

from forum import actions, broadcast
from forum.models import Category, Member, Post, Thread, ThreadStatus, TrustLevel
from tests.conftest import PASSWORD
from tests.helpers import client_for
from tests.sockets import (
    EVENT_SECONDS,
    ORIGIN,
    QUIET_SECONDS,
    communicator,
    counted,
    is_closed,
    next_event,
    open_socket,
    refusal,
    rest,
    session_cookie,
    thread_path,
)

PostFactory = Callable[..., Post]
ThreadFactory = Callable[..., Thread]
MemberFactory = Callable[..., Member]

live_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# The settling of reader counts itself is tested on its own below.
pytestmark = pytest.mark.usefixtures("prompt_reader_counts")


# --- Fixtures ---------------------------------------------------------------------------


@pytest.fixture
def writer(make_member: MemberFactory) -> Member:
    return make_member("SteadyWren")


@pytest.fixture
def reader(make_member: MemberFactory) -> Member:
    return make_member("PatientFern")


@pytest.fixture
def thread(make_thread: ThreadFactory, writer: Member) -> Thread:
    return make_thread(author=writer, title="Small steps")


@pytest.fixture
def members_only_thread(make_thread: ThreadFactory, writer: Member) -> Thread:
    # Categories are edited in the admin; there is no action for it, so a raw update.
    Category.objects.filter(slug="off-topic").update(is_public=False)
    return make_thread(
        author=writer, title="Only for members", in_category=Category.objects.get(slug="off-topic")
    )


@pytest.fixture
def writer_cookie(writer: Member) -> tuple[bytes, bytes]:
    return session_cookie(writer)


@pytest.fixture
def reader_cookie(reader: Member) -> tuple[bytes, bytes]:
    return session_cookie(reader)


post_reply = database_sync_to_async(actions.post_reply)
edit_post = database_sync_to_async(actions.edit_post)
delete_post = database_sync_to_async(actions.delete_post)


@database_sync_to_async
def page_html(thread: Thread, viewer: Member | None = None) -> str:
    response = client_for(viewer).get(thread.get_absolute_url())
    assert response.status_code == 200
    return str(response.content.decode())


@database_sync_to_async
def catch_up(thread: Thread, after: int) -> dict[str, Any]:
    response = Client().get(f"/t/{thread.pk}/posts/", {"after": after})
    assert response.status_code == 200
    caught: dict[str, Any] = response.json()
    return caught


class Undo(Exception):
    """Raised to roll a transaction back."""


# --- Live replies -----------------------------------------------------------------------


@pytest.mark.asyncio
@live_db
async def test_thread_socket_reply_posted_reaches_every_reader_once_with_identical_html(
    thread: Thread,
    writer: Member,
    reader: Member,
    writer_cookie: tuple[bytes, bytes],
    reader_cookie: tuple[bytes, bytes],
) -> None:
    path = thread_path(thread)
    async with (
        open_socket(path) as visitor,
        open_socket(path, reader_cookie) as member,
        open_socket(path, writer_cookie) as author,
    ):
        sockets = [visitor, member, author]
        for socket in sockets:
            await counted(socket, 3)

        post = await post_reply(author=writer, thread=thread, body="The *second* week was easier.")

        events = [await next_event(socket, "reply_posted") for socket in sockets]
        later = [await rest(socket) for socket in sockets]

    html = events[0]["html"]
    assert events == [{"event": "reply_posted", "post_id": post.pk, "html": html}] * 3
    assert later == [[], [], []], "a reply was announced more than once"
    assert html.startswith(f'<article class="post" id="post-{post.pk}"')
    assert html.endswith("</article>")
    assert "<em>second</em>" in html
    # The page's own partial, byte for byte, whoever reads the page; and the same bytes
    # that the catch-up request returns.
    for viewer in (None, reader, writer):
        assert html in await page_html(thread, viewer)
    caught = await catch_up(thread, post.pk - 1)
    assert caught["posts"] == [{"id": post.pk, "html": html}]


@pytest.mark.asyncio
@live_db
async def test_thread_socket_hears_nothing_of_a_reply_whose_transaction_rolls_back(
    thread: Thread, writer: Member
) -> None:
    def reply_then_undo() -> None:
        with transaction.atomic():
            actions.post_reply(author=writer, thread=thread, body="Never published.")
            raise Undo

    async with open_socket(thread_path(thread)) as socket:
        await counted(socket, 1)
        with pytest.raises(Undo):
            await database_sync_to_async(reply_then_undo)()
        heard = await rest(socket)

    assert heard == []
    assert not await Post.objects.filter(body="Never published.").aexists()


@pytest.mark.asyncio
@live_db
async def test_thread_socket_hears_nothing_of_another_threads_reply(
    thread: Thread, make_thread: ThreadFactory, writer: Member
) -> None:
    other = await database_sync_to_async(make_thread)(author=writer, title="Elsewhere")
    async with open_socket(thread_path(thread)) as socket:
        await counted(socket, 1)
        await post_reply(author=writer, thread=other, body="Somewhere else.")
        heard = await rest(socket)

    assert heard == []


# --- Live changes -----------------------------------------------------------------------


@pytest.mark.asyncio
@live_db
async def test_thread_socket_post_changed_carries_the_edited_fragment(
    thread: Thread, writer: Member, make_reply: PostFactory
) -> None:
    post = await database_sync_to_async(make_reply)(thread, author=writer, body="First words.")
    async with open_socket(thread_path(thread)) as socket:
        await counted(socket, 1)
        await edit_post(editor=writer, post=post, body="Better **words**.")
        event = await next_event(socket, "post_changed")
        later = await rest(socket)

    assert set(event) == {"event", "post_id", "html"}
    assert event["post_id"] == post.pk
    assert "Better <strong>words</strong>." in event["html"]
    assert "First words." not in event["html"]
    assert later == []
    assert event["html"] in await page_html(thread)


@pytest.mark.asyncio
@live_db
async def test_thread_socket_post_changed_after_deletion_is_a_tombstone_without_author_or_text(
    thread: Thread, writer: Member, make_reply: PostFactory
) -> None:
    post = await database_sync_to_async(make_reply)(
        thread, author=writer, body="Something I regret writing."
    )
    async with open_socket(thread_path(thread)) as socket:
        await counted(socket, 1)
        await delete_post(member=writer, post=post)
        event = await next_event(socket, "post_changed")

    assert event["post_id"] == post.pk
    assert 'class="tombstone"' in event["html"]
    assert writer.pseudonym not in event["html"]
    assert "regret" not in event["html"]
    assert event["html"] in await page_html(thread)


# --- Readers ----------------------------------------------------------------------------


@pytest.mark.asyncio
@live_db
async def test_thread_socket_readers_changed_counts_open_sockets_and_nothing_else(
    thread: Thread, reader_cookie: tuple[bytes, bytes]
) -> None:
    path = thread_path(thread)
    async with open_socket(path) as first:
        assert await first.receive_json_from(timeout=EVENT_SECONDS) == {
            "event": "readers_changed",
            "readers": 1,
        }
        async with open_socket(path, reader_cookie) as second:
            both = [
                await socket.receive_json_from(timeout=EVENT_SECONDS) for socket in (first, second)
            ]
            assert both == [{"event": "readers_changed", "readers": 2}] * 2
        after_close = await rest(first)

    assert after_close == [{"event": "readers_changed", "readers": 1}]


@pytest.mark.asyncio
@live_db
async def test_thread_socket_refused_connections_do_not_count_as_readers(
    members_only_thread: Thread, reader_cookie: tuple[bytes, bytes]
) -> None:
    path = thread_path(members_only_thread)
    assert await refusal(path, ORIGIN) is not None
    async with open_socket(path, reader_cookie) as member:
        counted = await rest(member)

    assert counted == [{"event": "readers_changed", "readers": 1}]


@pytest.mark.asyncio
@live_db
async def test_thread_socket_readers_joining_together_hear_one_settled_count(
    thread: Thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broadcast, "READERS_SETTLE_SECONDS", 0.3)
    path = thread_path(thread)
    async with open_socket(path) as first:
        crowd = [communicator(path, ORIGIN) for _ in range(9)]
        for socket in crowd:
            connected, _code = await socket.connect(timeout=EVENT_SECONDS)
            assert connected
        heard = []
        while not await first.receive_nothing(timeout=1.0):
            heard.append(await first.receive_json_from(timeout=EVENT_SECONDS))
        for socket in crowd:
            await socket.disconnect()

    # Ten sockets opened: not ten announcements to each of them, a settled few.
    assert 1 <= len(heard) <= 3, heard
    assert heard[-1] == {"event": "readers_changed", "readers": 10}


# --- Security: who may listen -----------------------------------------------------------


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize("path", ["/ws/threads/{thread}/", "/ws/me/"])
async def test_sockets_without_an_origin_header_are_refused(
    thread: Thread, reader_cookie: tuple[bytes, bytes], path: str
) -> None:
    assert await refusal(path.format(thread=thread.pk), reader_cookie) is not None


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize(
    "origin", [b"http://evil.example", b"https://testserver.evil.example", b"null"]
)
@pytest.mark.parametrize("path", ["/ws/threads/{thread}/", "/ws/me/"])
async def test_sockets_from_a_foreign_origin_are_refused(
    thread: Thread, reader_cookie: tuple[bytes, bytes], path: str, origin: bytes
) -> None:
    assert (
        await refusal(path.format(thread=thread.pk), (b"origin", origin), reader_cookie) is not None
    )


@pytest.mark.asyncio
@live_db
async def test_thread_socket_for_a_members_only_thread_refuses_visitors_with_4403(
    members_only_thread: Thread, reader_cookie: tuple[bytes, bytes]
) -> None:
    path = thread_path(members_only_thread)

    assert await refusal(path, ORIGIN) == 4403
    assert await refusal(path, ORIGIN, reader_cookie) is None


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize("thread_id", ["0", "987654", "99999999999999999999999"])
async def test_thread_socket_for_an_unknown_thread_is_refused_with_4403(thread_id: str) -> None:
    assert await refusal(f"/ws/threads/{thread_id}/", ORIGIN) == 4403


@pytest.mark.asyncio
@live_db
async def test_member_socket_refuses_visitors_with_4403() -> None:
    assert await refusal("/ws/me/", ORIGIN) == 4403


# --- Security: what a client may say ----------------------------------------------------


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize("path", ["/ws/threads/{thread}/", "/ws/me/"])
async def test_sockets_answer_a_ping_with_a_pong(
    thread: Thread, reader_cookie: tuple[bytes, bytes], path: str
) -> None:
    async with open_socket(path.format(thread=thread.pk), reader_cookie) as socket:
        # The longest message a client may send: 64 characters.
        ping = json.dumps({"type": "ping"}).ljust(64)
        assert len(ping) == 64
        await socket.send_to(text_data=ping)
        pong = await next_event(socket, "pong")

    assert pong == {"event": "pong"}


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize(
    "message",
    [
        '{"type": "reply", "body": "Hello"}',
        '{"type": "socket.close"}',
        '{"type": "thread.event", "event": "x"}',
        "ping",
        "not json {",
        "[1, 2]",
        " ",
    ],
)
async def test_thread_socket_ignores_every_client_message_but_a_ping(
    thread: Thread, reader_cookie: tuple[bytes, bytes], message: str
) -> None:
    async with open_socket(thread_path(thread), reader_cookie) as socket:
        await counted(socket, 1)
        await socket.send_to(text_data=message)
        answered = await rest(socket)
        # Still open and listening.
        await socket.send_to(text_data='{"type": "ping"}')
        pong = await socket.receive_json_from(timeout=EVENT_SECONDS)

    assert answered == []
    assert pong == {"event": "pong"}
    assert await Post.objects.filter(thread=thread).acount() == 1


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize("path", ["/ws/threads/{thread}/", "/ws/me/"])
@pytest.mark.parametrize("kind", ["long text", "bytes"])
async def test_sockets_close_on_a_message_over_64_characters_or_in_bytes(
    thread: Thread, reader_cookie: tuple[bytes, bytes], path: str, kind: str
) -> None:
    async with open_socket(path.format(thread=thread.pk), reader_cookie) as socket:
        if kind == "bytes":
            await socket.send_to(bytes_data=b'{"type": "ping"}')
        else:
            await socket.send_to(text_data=json.dumps({"type": "ping"}).ljust(65))
        assert await is_closed(socket)


# --- Security: sockets close with the session that opened them --------------------------


@pytest.fixture
def member_with_codes(db: None) -> tuple[Member, list[str]]:
    return actions.register_member(pseudonym="BraveLark", password=PASSWORD)


def _sign_out(client: Client, member: Member, codes: list[str]) -> int:
    return int(client.post("/logout/").status_code)


def _change_password(client: Client, member: Member, codes: list[str]) -> int:
    new = "another long passphrase"
    response = client.post(
        "/settings/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    return int(response.status_code)


def _recover(client: Client, member: Member, codes: list[str]) -> int:
    new = "another long passphrase"
    response = Client().post(
        "/recover/",
        {
            "pseudonym": member.pseudonym,
            "code": codes[0],
            "new_password1": new,
            "new_password2": new,
        },
    )
    return int(response.status_code)


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize(
    "write", [_sign_out, _change_password, _recover], ids=["logout", "password", "recovery"]
)
async def test_sockets_of_a_member_close_at_sign_out_password_change_and_recovery(
    thread: Thread,
    member_with_codes: tuple[Member, list[str]],
    reader_cookie: tuple[bytes, bytes],
    write: Callable[[Client, Member, list[str]], int],
) -> None:
    member, codes = member_with_codes
    client = await database_sync_to_async(client_for)(member)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())

    async with (
        open_socket(thread_path(thread), cookie) as on_thread,
        open_socket("/ws/me/", cookie) as own,
        open_socket(thread_path(thread), reader_cookie) as someone_else,
    ):
        await counted(on_thread, 2)
        await counted(someone_else, 2)

        status = await database_sync_to_async(write)(client, member, codes)

        assert status == 302
        assert await is_closed(on_thread)
        assert await is_closed(own)
        assert await someone_else.receive_nothing(timeout=QUIET_SECONDS)


# --- Security: nothing a reader could not already see ----------------------------------


@pytest.mark.asyncio
@live_db
async def test_socket_payloads_carry_no_ids_or_session_data(
    thread: Thread, writer: Member, make_reply: PostFactory, writer_cookie: tuple[bytes, bytes]
) -> None:
    session = writer_cookie[1].decode().split("=", 1)[1]
    heard: list[dict[str, Any]] = []
    async with open_socket(thread_path(thread), writer_cookie) as socket:
        post = await post_reply(author=writer, thread=thread, body="Mine.")
        await edit_post(editor=writer, post=post, body="Mine, edited.")
        await delete_post(member=writer, post=post)
        await socket.send_to(text_data='{"type": "ping"}')
        # The pong is sent straight back, the others travel through the channel layer:
        # with Redis the pong may come first.
        heard = [await socket.receive_json_from(timeout=EVENT_SECONDS) for _ in range(5)]
        heard += await rest(socket)

    allowed = {
        "readers_changed": {"event", "readers"},
        "reply_posted": {"event", "post_id", "html"},
        "post_changed": {"event", "post_id", "html"},
        "pong": {"event"},
    }
    assert sorted(event["event"] for event in heard) == [
        "pong",
        "post_changed",
        "post_changed",
        "readers_changed",
        "reply_posted",
    ]
    for event in heard:
        assert set(event) == allowed[event["event"]]
        assert session not in json.dumps(event)
    for event in heard:
        if "html" not in event:
            continue
        assert re.findall(r"data-[\w-]+", event["html"]) == ["data-post-id"]
        assert "viewer-actions" not in event["html"]
        assert f"/p/{post.pk}/edit/" not in event["html"]


# --- Nothing lost: the HTTP catch-up ----------------------------------------------------


def _posts_after(client: Client, thread: Thread, after: object) -> Any:
    return client.get(f"/t/{thread.pk}/posts/", {"after": after})


@pytest.fixture
def busy_thread(thread: Thread, writer: Member, reader: Member) -> tuple[Thread, list[int]]:
    for n in range(5):
        actions.post_reply(author=(writer, reader)[n % 2], thread=thread, body=f"Reply {n}")
    ids = list(thread.posts.order_by("id").values_list("id", flat=True))
    assert len(ids) == 6
    return thread, ids


@pytest.mark.django_db
@pytest.mark.parametrize("start", [0, 1, 3, 5])
def test_posts_after_returns_exactly_the_later_posts_in_order(
    client: Client, busy_thread: tuple[Thread, list[int]], start: int
) -> None:
    thread, ids = busy_thread
    response = _posts_after(client, thread, ids[start])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    caught = response.json()
    assert set(caught) == {"posts", "more"}
    assert [post["id"] for post in caught["posts"]] == ids[start + 1 :]
    assert caught["more"] is False
    page = client.get(thread.get_absolute_url()).content.decode()
    for post in caught["posts"]:
        assert set(post) == {"id", "html"}
        assert post["html"].startswith(f'<article class="post" id="post-{post["id"]}"')
        assert post["html"] in page


@pytest.mark.django_db
def test_posts_after_an_id_before_the_thread_returns_every_post(
    client: Client, busy_thread: tuple[Thread, list[int]]
) -> None:
    thread, ids = busy_thread
    caught = _posts_after(client, thread, 0).json()

    assert [post["id"] for post in caught["posts"]] == ids


@pytest.mark.django_db
def test_posts_after_leaves_out_posts_of_other_threads(
    client: Client, busy_thread: tuple[Thread, list[int]], make_thread: ThreadFactory
) -> None:
    thread, ids = busy_thread
    make_thread(title="Another thread")
    caught = _posts_after(client, thread, ids[-1]).json()

    assert caught == {"posts": [], "more": False}


@pytest.mark.django_db
def test_posts_after_shows_a_deleted_post_as_its_tombstone(
    client: Client, thread: Thread, writer: Member
) -> None:
    post = actions.post_reply(author=writer, thread=thread, body="Soon gone.")
    actions.delete_post(member=writer, post=post)
    [caught] = _posts_after(client, thread, post.pk - 1).json()["posts"]

    assert 'class="tombstone"' in caught["html"]
    assert "Soon gone." not in caught["html"]
    assert writer.pseudonym not in caught["html"]


@pytest.mark.django_db
def test_posts_after_pages_at_one_hundred_posts_with_more(
    client: Client, thread: Thread, writer: Member
) -> None:
    opening = thread.posts.get().pk
    for n in range(101):
        actions.post_reply(author=writer, thread=thread, body=f"Reply {n}")
    ids = list(thread.posts.order_by("id").values_list("id", flat=True))

    first = _posts_after(client, thread, opening).json()
    second = _posts_after(client, thread, first["posts"][-1]["id"]).json()

    assert [post["id"] for post in first["posts"]] == ids[1:101]
    assert first["more"] is True
    assert [post["id"] for post in second["posts"]] == ids[101:]
    assert second["more"] is False
    seen = [post["id"] for post in first["posts"] + second["posts"]]
    assert len(seen) == len(set(seen)) == 101


@pytest.mark.django_db
def test_posts_after_exactly_one_hundred_posts_has_no_more(
    client: Client, thread: Thread, writer: Member
) -> None:
    opening = thread.posts.get().pk
    for n in range(100):
        actions.post_reply(author=writer, thread=thread, body=f"Reply {n}")

    caught = _posts_after(client, thread, opening).json()

    assert len(caught["posts"]) == 100
    assert caught["more"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "after", ["", "abc", "-1", "1.5", "1e3", " 1", "1 ", "0x10", "١٢", "9" * 19, None]
)
def test_posts_after_a_bad_after_is_a_400(
    client: Client, thread: Thread, after: str | None
) -> None:
    path = f"/t/{thread.pk}/posts/"
    response = client.get(path) if after is None else client.get(path, {"after": after})

    assert response.status_code == 400
    assert "posts" not in response.json()


@pytest.mark.django_db
def test_posts_after_members_only_thread_is_refused_to_visitors_and_served_to_members(
    client: Client, members_only_thread: Thread, reader: Member
) -> None:
    opening = members_only_thread.posts.get()

    refused = _posts_after(client, members_only_thread, 0)
    served = _posts_after(client_for(reader), members_only_thread, 0)

    assert refused.status_code == 403
    assert "Only for members" not in refused.content.decode()
    assert opening.html not in refused.content.decode()
    assert served.status_code == 200
    assert [post["id"] for post in served.json()["posts"]] == [opening.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("thread_id", ["987654", "99999999999999999999999"])
def test_posts_after_unknown_thread_is_a_404(client: Client, thread_id: str) -> None:
    assert client.get(f"/t/{thread_id}/posts/", {"after": 0}).status_code == 404


# The thread with its category, then the posts. The session and the member are read only
# where the category is for members.
POSTS_AFTER_QUERIES = {"visitor": 2, "member": 2, "member, members-only category": 4}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(POSTS_AFTER_QUERIES))
def test_posts_after_query_count_is_pinned_whatever_the_number_of_posts(
    thread: Thread,
    members_only_thread: Thread,
    writer: Member,
    reader: Member,
    who: str,
    django_assert_num_queries: Any,
) -> None:
    client = client_for(None if who == "visitor" else reader)
    shown = members_only_thread if "members-only" in who else thread
    opening = shown.posts.get().pk
    for grown in (2, 60):
        while shown.posts.count() < grown + 1:
            actions.post_reply(author=writer, thread=shown, body="More.")
        for _cache in ("cold", "warm"):
            with django_assert_num_queries(POSTS_AFTER_QUERIES[who]):
                response = _posts_after(client, shown, opening)
            assert len(response.json()["posts"]) == grown


# --- Thread changes by moderators ------------------------------------------------------
# The moderation actions that send these are tested with them; here the broadcast
# functions are called directly, as those actions call them after their commit.

thread_changed = database_sync_to_async(broadcast.thread_changed)


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize(
    ("event", "facts"),
    [
        ("thread_locked", {}),
        ("thread_unlocked", {}),
        ("thread_moved", {"category_name": "Partners", "category_url": "/c/partners/"}),
        ("thread_removed", {"guideline_title": "No advertising or spam"}),
    ],
)
async def test_thread_socket_hears_thread_changes_with_only_their_facts(
    thread: Thread, reader_cookie: tuple[bytes, bytes], event: str, facts: dict[str, str]
) -> None:
    async with (
        open_socket(thread_path(thread)) as visitor,
        open_socket(thread_path(thread), reader_cookie) as member,
    ):
        await counted(visitor, 2)
        await counted(member, 2)
        await thread_changed(thread.pk, event, **facts)

        heard = [await next_event(socket, event) for socket in (visitor, member)]

    assert heard == [{"event": event, **facts}] * 2


@pytest.mark.asyncio
@live_db
async def test_thread_sockets_close_when_the_thread_is_removed(
    thread: Thread, make_thread: ThreadFactory, writer: Member, reader_cookie: tuple[bytes, bytes]
) -> None:
    other = await database_sync_to_async(make_thread)(author=writer, title="Elsewhere")
    async with (
        open_socket(thread_path(thread)) as visitor,
        open_socket(thread_path(thread), reader_cookie) as member,
        open_socket(thread_path(other)) as elsewhere,
    ):
        await counted(member, 2)
        await counted(elsewhere, 1)
        await thread_changed(thread.pk, "thread_removed", guideline_title="Be kind, always")
        await database_sync_to_async(broadcast.close_thread_sockets)(thread.pk)

        for socket in (visitor, member):
            assert (await next_event(socket, "thread_removed"))["guideline_title"]
            assert await is_closed(socket)
        assert await elsewhere.receive_nothing(timeout=QUIET_SECONDS)


@pytest.mark.asyncio
@live_db
async def test_sockets_of_a_suspended_member_close_and_others_stay(
    thread: Thread, reader: Member, reader_cookie: tuple[bytes, bytes]
) -> None:
    async with (
        open_socket(thread_path(thread), reader_cookie) as on_thread,
        open_socket("/ws/me/", reader_cookie) as own,
        open_socket(thread_path(thread)) as visitor,
    ):
        await counted(visitor, 2)
        await database_sync_to_async(broadcast.close_member_sockets)(reader.pk)

        assert await is_closed(on_thread)
        assert await is_closed(own)
        assert await visitor.receive_nothing(timeout=QUIET_SECONDS)


@pytest.mark.asyncio
@live_db
@pytest.mark.parametrize("status", [ThreadStatus.HELD, ThreadStatus.REMOVED, ThreadStatus.REJECTED])
async def test_thread_socket_for_a_thread_out_of_view_is_refused_with_4403(
    thread: Thread, writer_cookie: tuple[bytes, bytes], status: str
) -> None:
    # The moderation actions set these states; a raw update stands in for them here.
    await Thread.objects.filter(pk=thread.pk).aupdate(status=status)

    assert await refusal(thread_path(thread), ORIGIN) == 4403
    assert await refusal(thread_path(thread), ORIGIN, writer_cookie) == 4403


@pytest.mark.asyncio
@live_db
async def test_notices_changed_reaches_only_the_members_own_socket(
    thread: Thread, reader: Member, reader_cookie: tuple[bytes, bytes]
) -> None:
    async with (
        open_socket("/ws/me/", reader_cookie) as own,
        open_socket(thread_path(thread), reader_cookie) as on_thread,
    ):
        await counted(on_thread, 1)
        await database_sync_to_async(broadcast.notices_changed)(reader.pk, 2)

        assert await own.receive_json_from(timeout=EVENT_SECONDS) == {
            "event": "notices_changed",
            "unread": 2,
        }
        assert await on_thread.receive_nothing(timeout=QUIET_SECONDS)


@pytest.mark.asyncio
@live_db
async def test_thread_socket_hears_a_held_reply_only_once_it_is_published(
    thread: Thread, make_member: MemberFactory
) -> None:
    newcomer = await database_sync_to_async(make_member)(trust=TrustLevel.NEW)
    async with open_socket(thread_path(thread)) as socket:
        await counted(socket, 1)
        held = await post_reply(author=newcomer, thread=thread, body="Waiting my turn.")
        assert await rest(socket) == []

        await database_sync_to_async(actions.publish_held_post)(post=held)
        event = await next_event(socket, "reply_posted")

    assert event["post_id"] == held.pk
    assert "Waiting my turn." in event["html"]
