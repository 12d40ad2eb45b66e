"""forum.broadcast: an event leaves only after its write commits, carries the thread page's
own fragment, and a channel layer that fails or hangs never fails the write."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import OperationalError, transaction
from django.test import Client
from pytest_django.fixtures import Settings

from forum import actions, broadcast
from forum.models import Member, Post, Thread
from tests.conftest import PASSWORD
from tests.helpers import client_for

PostFactory = Callable[..., Post]
ThreadFactory = Callable[..., Thread]
MemberFactory = Callable[..., Member]

# What a post event holds once its text, made once for every socket, is read.
EVENT_KEYS = {"type", "event", "post_id", "html"}


class RecordingLayer(InMemoryChannelLayer):
    """The in-memory layer, remembering every group message in the order it was sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sent.append((group, message))
        await super().group_send(group, message)


class BrokenLayer(InMemoryChannelLayer):
    """A layer whose server is down: every group message raises."""

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        raise ConnectionError("the channel layer is unreachable")


class HangingLayer(InMemoryChannelLayer):
    """A layer that never answers (a black-holed Redis address)."""

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.Event().wait()


def _use_layer(settings: Settings, backend: type[InMemoryChannelLayer]) -> Any:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.{backend.__name__}"}}
    layer = get_channel_layer()
    assert type(layer) is backend
    return layer


@pytest.fixture
def recording(settings: Settings) -> RecordingLayer:
    layer: RecordingLayer = _use_layer(settings, RecordingLayer)
    return layer


@pytest.fixture
def broadcast_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="ownpace.broadcast")
    return caplog


@pytest.fixture
def writer(make_member: MemberFactory) -> Member:
    return make_member("SteadyWren")


@pytest.fixture
def thread(make_thread: ThreadFactory, writer: Member) -> Thread:
    return make_thread(author=writer, title="Small steps")


def _page(thread: Thread, viewer: Member | None = None) -> str:
    response = client_for(viewer).get(thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _failures(log: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    """The logged failures of one kind of event (a reply also notifies the thread's
    starter, which fails and is logged on its own)."""
    return [
        record
        for record in log.records
        if record.name == "ownpace.broadcast" and event in record.getMessage()
    ]


def _read(message: dict[str, Any]) -> dict[str, Any]:
    """A sent message with its JSON text read: what every socket of the group receives,
    and the message type that routes it."""
    assert set(message) == {"type", "event", "text"}, message
    sent: dict[str, Any] = json.loads(message["text"])
    assert sent["event"] == message["event"]
    return {"type": message["type"], **sent}


def _events(layer: RecordingLayer) -> list[tuple[str, dict[str, Any]]]:
    """The post events sent, read."""
    return [
        (group, _read(message))
        for group, message in layer.sent
        if "text" in message and "post_id" in json.loads(message["text"])
    ]


class Undo(Exception):
    """Raised to roll a transaction back."""


# --- After commit, once, the page's own fragment ---------------------------------------


@pytest.mark.django_db
def test_post_reply_broadcasts_reply_posted_once_only_after_commit(
    recording: RecordingLayer,
    thread: Thread,
    writer: Member,
    make_member: MemberFactory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.post_reply(
            author=writer, thread=thread, body="The *second* week was easier."
        )
        assert recording.sent == [], "sent before the transaction committed"

    [(group, message)] = _events(recording)
    assert group == f"thread-{thread.pk}"
    assert set(message) == EVENT_KEYS
    assert message["type"] == "thread.event"
    assert message["event"] == "reply_posted"
    assert message["post_id"] == post.pk
    html = message["html"]
    assert html.startswith(f'<article class="post" id="post-{post.pk}"')
    assert html.endswith("</article>")
    assert "<em>second</em>" in html
    # Byte for byte the fragment the thread page shows, to a visitor, the author and
    # another member alike.
    for viewer in (None, writer, make_member("PatientFern")):
        assert html in _page(thread, viewer)


@pytest.mark.django_db
def test_post_reply_broadcasts_nothing_when_the_transaction_rolls_back(
    recording: RecordingLayer,
    thread: Thread,
    writer: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def reply_then_undo() -> None:
        with transaction.atomic():
            actions.post_reply(author=writer, thread=thread, body="Never published.")
            raise Undo

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Undo):
        reply_then_undo()

    assert callbacks == []
    assert recording.sent == []
    assert not Post.objects.filter(body="Never published.").exists()


@pytest.mark.django_db
def test_edit_post_broadcasts_post_changed_with_the_new_fragment(
    recording: RecordingLayer,
    thread: Thread,
    writer: Member,
    make_reply: PostFactory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_reply(thread, author=writer, body="First words.")
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_post(editor=writer, post=post, body="Better words.")

    [(group, message)] = _events(recording)
    assert group == f"thread-{thread.pk}"
    assert set(message) == EVENT_KEYS
    assert (message["event"], message["post_id"]) == ("post_changed", post.pk)
    assert "Better words." in message["html"]
    assert "First words." not in message["html"]
    assert 'class="post-edited"' in message["html"]
    assert message["html"] in _page(thread)


@pytest.mark.django_db
def test_edit_post_without_a_change_broadcasts_nothing(
    recording: RecordingLayer,
    thread: Thread,
    writer: Member,
    make_reply: PostFactory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_reply(thread, author=writer, body="Same words.")
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_post(editor=writer, post=post, body="Same words.")

    assert recording.sent == []


@pytest.mark.django_db
def test_delete_post_broadcasts_a_tombstone_without_author_or_text(
    recording: RecordingLayer,
    thread: Thread,
    writer: Member,
    make_reply: PostFactory,
    django_capture_on_commit_callbacks: Any,
) -> None:
    post = make_reply(thread, author=writer, body="Something I regret writing.")
    actions.edit_post(editor=writer, post=post, body="An earlier version I regret.")
    recording.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_post(member=writer, post=post)

    [(_group, message)] = _events(recording)
    assert (message["event"], message["post_id"]) == ("post_changed", post.pk)
    html = message["html"]
    assert 'class="tombstone"' in html
    assert "post--deleted" in html
    assert writer.pseudonym not in html
    assert "regret" not in html
    assert html in _page(thread)


@pytest.mark.django_db
def test_change_password_closes_only_that_members_sockets(
    recording: RecordingLayer,
    writer: Member,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_password(member=writer, new_password="another long passphrase")

    assert recording.sent == [(f"member-{writer.pk}", {"type": "socket.close"})]


# --- A broadcast never fails a write ----------------------------------------------------


def _reply(client: Client, thread: Thread, body: str) -> Any:
    return client.post(f"/t/{thread.pk}/reply/", {"body": body})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("backend", [BrokenLayer, HangingLayer], ids=["raises", "hangs"])
def test_post_reply_view_redirects_and_saves_when_the_layer_fails(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    broadcast_log: pytest.LogCaptureFixture,
    thread: Thread,
    make_member: MemberFactory,
    backend: type[InMemoryChannelLayer],
) -> None:
    _use_layer(settings, backend)
    monkeypatch.setattr(broadcast, "SEND_TIMEOUT_SECONDS", 0.2)
    client = client_for(make_member("PatientFern"))

    started = time.monotonic()
    response = _reply(client, thread, "Saved whatever the socket layer does.")
    took = time.monotonic() - started

    post = Post.objects.get(thread=thread, body="Saved whatever the socket layer does.")
    assert response.status_code == 302
    assert response["Location"] == f"/p/{post.pk}/"
    assert took < 3, f"the reply waited {took:.1f} s for the channel layer"
    records = _failures(broadcast_log, "reply_posted")
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert "Saved whatever" not in broadcast_log.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("write", ["edit", "delete", "logout", "password"])
def test_member_writes_succeed_when_the_layer_raises(
    settings: Settings,
    broadcast_log: pytest.LogCaptureFixture,
    thread: Thread,
    writer: Member,
    make_reply: PostFactory,
    write: str,
) -> None:
    post = make_reply(thread, author=writer, body="Words to change.")
    _use_layer(settings, BrokenLayer)
    client = client_for(writer)

    if write == "edit":
        response = client.post(f"/p/{post.pk}/edit/", {"body": "Changed words."})
        post.refresh_from_db()
        done = post.body == "Changed words."
    elif write == "delete":
        response = client.post(f"/p/{post.pk}/delete/")
        post.refresh_from_db()
        done = post.is_deleted
    elif write == "logout":
        response = client.post("/logout/")
        done = "_auth_user_id" not in client.session
    else:
        new = "another long passphrase"
        response = client.post(
            "/settings/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        writer.refresh_from_db()
        done = writer.check_password(new)

    assert response.status_code == 302
    assert done
    event = "post_changed" if write in {"edit", "delete"} else "socket.close"
    assert len(_failures(broadcast_log, event)) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_post_reply_view_redirects_and_saves_when_the_fragment_cannot_be_rendered(
    recording: RecordingLayer,
    monkeypatch: pytest.MonkeyPatch,
    broadcast_log: pytest.LogCaptureFixture,
    thread: Thread,
    make_member: MemberFactory,
) -> None:
    def broken_render(post: Post) -> str:
        raise RuntimeError("template error")

    monkeypatch.setattr(broadcast, "render_post", broken_render)
    client = client_for(make_member("PatientFern"))

    response = _reply(client, thread, "Saved even so.")

    assert response.status_code == 302
    assert Post.objects.filter(thread=thread, body="Saved even so.").exists()
    assert [group for group, _message in recording.sent if group.startswith("thread-")] == []
    assert len(_failures(broadcast_log, "reply_posted")) == 1


# --- Replies broadcast while the layer was down ------------------------------------------


class RestartingLayer(RecordingLayer):
    """A layer whose server is down until `up` is set (a Redis stopped, then started)."""

    up = False

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if not self.up:
            raise ConnectionError("the channel layer is unreachable")
        await super().group_send(group, message)


def _sent_to(layer: RecordingLayer, group: str, count: int) -> list[dict[str, Any]]:
    """What the group was sent, once `count` messages arrived (or after five seconds)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        sent = [_read(message) for to, message in list(layer.sent) if to == group]
        if len(sent) >= count:
            return sent
        time.sleep(0.02)
    return [_read(message) for to, message in list(layer.sent) if to == group]


def _missed_while_down(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, client: Client, thread: Thread, count: int
) -> tuple[RestartingLayer, list[int]]:
    """Replies posted while the layer is down, their broadcasts failed; the layer still down."""
    layer: RestartingLayer = _use_layer(settings, RestartingLayer)
    monkeypatch.setattr(broadcast, "MISSED_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(broadcast, "MISSED_REPEAT_SECONDS", 0.4)
    before = Post.objects.filter(thread=thread).latest("pk")
    for number in range(count):
        assert _reply(client, thread, f"Posted while Redis was down, {number}.").status_code == 302
    missed_ids = list(
        Post.objects.filter(thread=thread, pk__gt=before.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(missed_ids) == count
    time.sleep(0.3)
    assert layer.sent == [], "sent while the layer was down"
    return layer, missed_ids


def _caught_up(client: Client, thread: Thread, after: int) -> dict[str, Any]:
    response = client.get(f"/t/{thread.pk}/posts/?after={after}")
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replies_missed_sends_open_pages_what_a_catch_up_would_once_the_layer_is_back(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    thread: Thread,
    make_member: MemberFactory,
) -> None:
    client = client_for(make_member("PatientFern"))
    layer, missed_ids = _missed_while_down(settings, monkeypatch, client, thread, 2)
    # Long enough for a reply to be posted between the two sendings, even on a busy machine.
    monkeypatch.setattr(broadcast, "MISSED_REPEAT_SECONDS", 1.5)
    group = f"thread-{thread.pk}"
    after = missed_ids[0] - 1

    layer.up = True

    # Sent as soon as the layer answers: the posts themselves, exactly the catch-up's
    # answer, so that no open page has to fetch them; nothing of who wrote what.
    first = _sent_to(layer, group, 1)
    answer = _caught_up(client, thread, after)
    assert [post["id"] for post in answer["posts"]] == missed_ids
    assert answer["more"] is False
    assert first == [{"type": "thread.event", "event": "replies_missed", "after": after, **answer}]
    # A reply published before a late server process listens again: broadcast, so not
    # missed, yet its sockets never heard it. The second sending, read afresh, holds it.
    assert _reply(client, thread, "Posted as Redis came back.").status_code == 302
    told = [m for m in _sent_to(layer, group, 3) if m["event"] == "replies_missed"]
    answer = _caught_up(client, thread, after)
    assert [post["id"] for post in answer["posts"]][:2] == missed_ids
    assert len(answer["posts"]) == 3
    assert told[1] == {"type": "thread.event", "event": "replies_missed", "after": after, **answer}
    time.sleep(2)
    told = [m for m in _sent_to(layer, group, 4) if m["event"] == "replies_missed"]
    assert len(told) == 2, "sent more than twice"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replies_missed_carries_at_most_its_limit_and_says_there_is_more(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    thread: Thread,
    make_member: MemberFactory,
) -> None:
    monkeypatch.setattr(broadcast, "MISSED_POSTS_CARRIED", 2)
    client = client_for(make_member("PatientFern"))
    layer, missed_ids = _missed_while_down(settings, monkeypatch, client, thread, 3)

    layer.up = True

    (sent,) = _sent_to(layer, f"thread-{thread.pk}", 1)[:1]
    assert [post["id"] for post in sent["posts"]] == missed_ids[:2]
    assert sent["more"] is True
    assert sent["after"] == missed_ids[0] - 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replies_missed_without_the_database_lets_pages_fetch_for_themselves(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    broadcast_log: pytest.LogCaptureFixture,
    thread: Thread,
    make_member: MemberFactory,
) -> None:
    client = client_for(make_member("PatientFern"))
    layer, missed_ids = _missed_while_down(settings, monkeypatch, client, thread, 1)

    def database_down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the database is unreachable")

    monkeypatch.setattr(broadcast.catch_up, "posts_after", database_down)
    layer.up = True

    (sent,) = _sent_to(layer, f"thread-{thread.pk}", 1)[:1]
    after = missed_ids[0] - 1
    assert sent == {
        "type": "thread.event",
        "event": "replies_missed",
        "after": after,
        "posts": [],
        "more": True,
    }
    assert any("sent without posts" in record.getMessage() for record in broadcast_log.records)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replies_missed_is_not_sent_when_every_broadcast_worked(
    recording: RecordingLayer,
    monkeypatch: pytest.MonkeyPatch,
    thread: Thread,
    make_member: MemberFactory,
) -> None:
    monkeypatch.setattr(broadcast, "MISSED_RETRY_SECONDS", 0.05)
    client = client_for(make_member("PatientFern"))

    assert _reply(client, thread, "Heard by everyone at once.").status_code == 302
    time.sleep(0.3)

    events = [_read(message)["event"] for _group, message in recording.sent if "text" in message]
    assert "replies_missed" not in events
    assert "reply_posted" in events
