"""Moderator actions reach open thread pages live, through the real actions, the real
broadcast and the project's ASGI application: a removal shows its tombstone, an approval
its reply, a lock its notice; a removed thread and a suspended member's sockets close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async

from forum.guidelines import Guideline
from forum.models import Category, Member, Post, Thread
from moderation import actions
from moderation.models import ReviewItem
from tests.sockets import (
    QUIET_SECONDS,
    counted,
    is_closed,
    next_event,
    open_socket,
    session_cookie,
    thread_path,
)

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("prompt_reader_counts"),
]


def act(action: Callable[..., Any]) -> Callable[..., Any]:
    return database_sync_to_async(action)


async def test_a_removed_post_becomes_its_tombstone_on_open_pages(
    moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    post = await database_sync_to_async(make_reply)(thread, body="Just push through it.")
    async with open_socket(thread_path(thread)) as reader:
        await act(actions.hide_post)(
            moderator=moderator,
            post=post,
            reason="Pressure to continue through pain.",
            guideline=Guideline.NO_PRESSURE,
        )
        event = await next_event(reader, "post_changed")

    assert event["post_id"] == post.pk
    assert 'class="tombstone"' in event["html"]
    assert "Consent leads, pressure never does" in event["html"]
    assert "push through" not in event["html"]
    # Nothing of who decided, nor their private reason.
    assert moderator.pseudonym not in event["html"]
    assert "Pressure to continue" not in event["html"]


async def test_an_approved_reply_arrives_on_open_pages(
    moderator: Member,
    thread: Thread,
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    held, item = await database_sync_to_async(make_held_reply)(body="Hello, I am new here.")
    async with open_socket(thread_path(thread)) as reader:
        await counted(reader, 1)
        await act(actions.approve_post)(moderator=moderator, item=item, seen_version=item.version)
        event = await next_event(reader, "reply_posted")

    assert event["post_id"] == held.pk
    assert "Hello, I am new here." in event["html"]


async def test_lock_and_unlock_reach_open_pages(moderator: Member, thread: Thread) -> None:
    async with open_socket(thread_path(thread)) as reader:
        await act(actions.lock_thread)(moderator=moderator, thread=thread, reason="Cooling off.")
        locked = await next_event(reader, "thread_locked")
        await act(actions.unlock_thread)(moderator=moderator, thread=thread, reason="Calm again.")
        unlocked = await next_event(reader, "thread_unlocked")

    assert locked == {"event": "thread_locked"}
    assert unlocked == {"event": "thread_unlocked"}


async def test_a_moved_thread_tells_open_pages_where_it_went(
    moderator: Member, thread: Thread
) -> None:
    partners = await Category.objects.exclude(pk=thread.category_id).afirst()
    assert partners is not None
    async with open_socket(thread_path(thread)) as reader:
        await act(actions.move_thread)(
            moderator=moderator, thread=thread, category=partners, reason="Fits better there."
        )
        event = await next_event(reader, "thread_moved")

    assert event == {
        "event": "thread_moved",
        "category_name": partners.name,
        "category_url": partners.get_absolute_url(),
    }


async def test_a_removed_thread_says_why_then_closes_its_sockets(
    moderator: Member, thread: Thread
) -> None:
    async with open_socket(thread_path(thread)) as reader:
        await act(actions.delete_thread)(
            moderator=moderator,
            thread=thread,
            reason="Advertising a clinic.",
            guideline=Guideline.NO_SPAM,
        )
        event = await next_event(reader, "thread_removed")
        assert await is_closed(reader)

    assert event["guideline_title"] == "No advertising or spam"
    assert "Advertising a clinic" not in str(event)


async def test_a_suspension_closes_the_members_sockets_and_no_one_elses(
    moderator: Member, thread: Thread, make_member: Callable[..., Member]
) -> None:
    paused = await database_sync_to_async(make_member)("RestlessKite")
    cookie = await database_sync_to_async(session_cookie)(paused)
    async with (
        open_socket(thread_path(thread), cookie) as on_thread,
        open_socket("/ws/me/", cookie) as own,
        open_socket(thread_path(thread)) as visitor,
    ):
        await counted(visitor, 2)
        await act(actions.suspend_member)(
            moderator=moderator,
            member=paused,
            days=2,
            reason="Pressure on another member.",
            guideline=Guideline.NO_PRESSURE,
        )

        assert await is_closed(on_thread)
        # The member's own socket may first hear of the notice that says why.
        assert await is_closed(own, passing=("notices_changed",))
        assert await visitor.receive_nothing(timeout=QUIET_SECONDS)
