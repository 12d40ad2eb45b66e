"""The only module that talks to the channel layer.

Actions schedule these functions with transaction.on_commit, so a reader never hears of
a write that did not happen. Each renders a post's fragment once (the same partial the
thread page shows) and sends the same bytes to every socket of the thread. The database
is the truth and the socket only a fast path: a failed send is logged and never fails
the write, and pages catch up over HTTP whenever they (re)connect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connections

from forum import catch_up
from forum.aliases import assign as assign_aliases
from forum.fragments import render_post
from forum.models import Notification, Post, Thread
from forum.reactions import post_counts_html

logger = logging.getLogger("ownpace.broadcast")


def thread_group(thread_id: int) -> str:
    return f"thread-{thread_id}"


def member_group(member_id: int) -> str:
    return f"member-{member_id}"


# A group nobody joins: a message sent to it shows whether the layer answers.
HEALTH_GROUP = "health"
# A layer that does not answer (an unreachable Redis) must not hold the member's request.
SEND_TIMEOUT_SECONDS = 2.0


async def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    await asyncio.wait_for(layer.group_send(group, message), SEND_TIMEOUT_SECONDS)


def event_message(kind: str, event: str, **payload: Any) -> dict[str, Any]:
    """A channel-layer message for every socket of a group: the JSON text is made here
    once, and each consumer sends it as it is (a thousand readers, one json.dumps)."""
    return {"type": kind, "event": event, "text": json.dumps({"event": event, **payload})}


def _send(group: str, message: dict[str, Any]) -> bool:
    try:
        async_to_sync(_group_send)(group, message)
    except Exception:
        # One line per failed event, no traceback storm and nothing a reader wrote.
        event = message.get("event", message["type"])
        logger.warning("broadcast of %s to %s failed", event, group, exc_info=True)
        return False
    return True


# A page catches up over HTTP only when its socket (re)connects, and a channel layer that
# is down (Redis stopped) drops no socket: without a word once the layer is back, its
# open pages would never show the replies posted meanwhile. So each process remembers the
# replies whose reply_posted failed and, once a send works again, sends their threads'
# pages "replies_missed": what a catch-up would return from the first of them on (a live
# reply may have arrived since, so a page's newest id will not do). Sent rather than
# announced, because a thousand pages fetching it at the same moment took longer than
# the outage itself (bench/soak.py).
MISSED_RETRY_SECONDS = 1.0
# Sent once more this much later, read afresh, for server processes that subscribe again
# late: it also holds replies published while they were not listening yet. A page
# ignores the posts it already shows.
MISSED_REPEAT_SECONDS = 3.0
# Posts carried in one message at most; a page told there are more fetches the rest.
MISSED_POSTS_CARRIED = 50


class _MissedReplies:
    """Per process: thread id → the ids of its replies whose broadcast failed, and one
    daemon thread with its own event loop that retries until the layer answers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.threads: dict[int, list[int]] = {}
        self.layer: Any = None  # the layer the retrying thread sends to

    def remember(self, thread_id: int, post_id: int) -> None:
        try:
            layer = get_channel_layer()
        except Exception:
            # As a failed send: logged, never raised into a write that has happened.
            logger.warning("replies_missed for thread %s not kept", thread_id, exc_info=True)
            return
        with self.lock:
            if self.layer is not layer:
                # A new layer (settings changed, as in tests): a thread still retrying
                # on the old one sees it and stops.
                self.threads = {}
                self.layer = layer
                threading.Thread(target=self._retry, args=(layer,), daemon=True).start()
            self.threads.setdefault(thread_id, []).append(post_id)

    def _retry(self, layer: Any) -> None:
        loop = asyncio.new_event_loop()
        told: dict[int, tuple[list[int], float]] = {}  # thread id → (post ids, said at)
        try:
            while True:
                time.sleep(MISSED_RETRY_SECONDS)
                with self.lock:
                    if self.layer is not layer:
                        return
                    if _current_layer() is not layer or not (self.threads or told):
                        self.threads = {}
                        self.layer = None
                        return
                    pending = {thread_id: list(ids) for thread_id, ids in self.threads.items()}
                now = time.monotonic()
                again = {
                    thread_id: ids
                    for thread_id, (ids, said) in told.items()
                    if now - said >= MISSED_REPEAT_SECONDS
                }
                for thread_id in again:
                    del told[thread_id]
                try:
                    self._tell(loop, pending, again, told)
                finally:
                    # This thread's own database connection, opened to read the posts.
                    connections.close_all()
        finally:
            loop.close()

    def _tell(
        self,
        loop: asyncio.AbstractEventLoop,
        pending: dict[int, list[int]],
        again: dict[int, list[int]],
        told: dict[int, tuple[list[int], float]],
    ) -> None:
        if not loop.run_until_complete(_layer_answers()):
            # Still down: the next round tries again.
            return
        for thread_id in again.keys() | pending.keys():
            ids = [*again.get(thread_id, []), *pending.get(thread_id, [])]
            event = _missed_event(thread_id, ids)
            try:
                if event is not None:
                    loop.run_until_complete(_group_send(*event))
            except Exception:
                logger.debug("replies_missed to thread %s not sent yet", thread_id)
                continue
            if thread_id not in pending:
                continue
            with self.lock:
                # Replies that failed while this was sent wait for the next round.
                left = self.threads.get(thread_id, [])[len(pending[thread_id]) :]
                if left:
                    self.threads[thread_id] = left
                else:
                    self.threads.pop(thread_id, None)
            if event is not None:
                told[thread_id] = (ids, time.monotonic())


def _current_layer() -> Any:
    try:
        return get_channel_layer()
    except Exception:
        return None


async def _layer_answers() -> bool:
    # Asked before the posts are read for a message, so that an outage costs no queries:
    # a send to a group nobody joins, so no socket hears it and the layer keeps nothing.
    try:
        await _group_send(HEALTH_GROUP, {"type": "health.checked"})
    except Exception:
        return False
    return True


def _missed_event(thread_id: int, post_ids: list[int]) -> tuple[str, dict[str, Any]] | None:
    """What the thread's pages missed from the first of these replies on, or None when
    the thread is no longer published (its pages have nothing to add)."""
    after = min(post_ids) - 1
    try:
        thread = Thread.objects.listed().filter(pk=thread_id).first()
        if thread is None:
            return None
        missed = catch_up.posts_after(thread, after, limit=MISSED_POSTS_CARRIED)
    except Exception:
        # The database is down too: the pages fetch what they missed themselves.
        logger.warning("replies_missed for thread %s sent without posts", thread_id, exc_info=True)
        missed = {"posts": [], "more": True}
    return thread_group(thread_id), event_message(
        "thread.event", "replies_missed", after=after, **missed
    )


_missed_replies = _MissedReplies()


def _post_event(event: str, post_id: int) -> None:
    # Runs after the commit, inside the member's request: whatever fails here (the query,
    # the template) is logged, never raised into a write that has already happened.
    try:
        post = Post.objects.in_reading_order().filter(pk=post_id).first()
        if post is None:
            return
        assign_aliases([post])
        message = event_message("thread.event", event, post_id=post.pk, html=render_post(post))
    except Exception:
        logger.warning("broadcast of %s for post %s failed", event, post_id, exc_info=True)
        return
    if not _send(thread_group(post.thread_id), message) and event == "reply_posted":
        _missed_replies.remember(post.thread_id, post.pk)


def reply_posted(post_id: int) -> None:
    _post_event("reply_posted", post_id)


def post_changed(post_id: int) -> None:
    """An edit, or a deletion by its author: the post is replaced in place."""
    _post_event("post_changed", post_id)


def close_member_sockets(member_id: int) -> None:
    """Sign-out, a new password or a suspension: the member's open sockets must close,
    because a socket keeps the identity it connected with."""
    _send(member_group(member_id), {"type": "socket.close"})


def notifications_changed(member_id: int) -> None:
    """The member's unread notifications changed (a new one, or some were read): every
    page they have open shows the new count. The count is all the message holds, nothing
    of who wrote what or where."""
    try:
        unread = Notification.objects.for_recipient(member_id).unread().count()
    except Exception:
        logger.warning(
            "broadcast of notifications_changed to member %s failed", member_id, exc_info=True
        )
        return
    _send(
        member_group(member_id),
        event_message("member.event", "notifications_changed", unread=unread),
    )


MODERATORS_GROUP = "moderators"


def readers_key(thread_id: int) -> str:
    """Where the number of open sockets on a thread is counted, in the shared cache."""
    return f"readers:{thread_id}"


# Readers come and go in crowds (a link shared, a server restarting): the count goes out
# at most once per this many seconds per thread, across processes. Sent on every change,
# a thousand readers joining would be half a million messages, and those queued behind
# them could be dropped from a full channel — a reply among them.
READERS_SETTLE_SECONDS = 0.5
_announcing: set[asyncio.Task[None]] = set()


def _readers_pending_key(thread_id: int) -> str:
    return f"readers-pending:{thread_id}"


async def _announce_readers(thread_id: int) -> None:
    await asyncio.sleep(READERS_SETTLE_SECONDS)
    try:
        # Cleared before the count is read, so a change after this read schedules the
        # next announcement instead of being lost.
        await cache.adelete(_readers_pending_key(thread_id))
        readers = max(int(await cache.aget(readers_key(thread_id), 0)), 0)
        await _group_send(
            thread_group(thread_id),
            event_message("thread.event", "readers_changed", readers=readers),
        )
    except Exception:
        logger.warning("broadcast of readers_changed to thread %s failed", thread_id)


async def readers_changed_soon(thread_id: int) -> None:
    """The reader count changed: announce it shortly, once for every change meanwhile."""
    try:
        # The flag outlives the wait a little, so that a process that dies waiting does
        # not silence the count for good.
        first = await cache.aadd(_readers_pending_key(thread_id), 1, 5)
    except Exception:
        return
    if not first:
        return
    task = asyncio.create_task(_announce_readers(thread_id))
    _announcing.add(task)
    task.add_done_callback(_announcing.discard)


def thread_changed(thread_id: int, event: str, **facts: str) -> None:
    """A thread was locked, unlocked, moved or removed: its open pages say so.

    `facts` are what every reader of the page may already see (the new category's name
    and address, the guideline a removal points to), never who acted.
    """
    _send(thread_group(thread_id), event_message("thread.event", event, **facts))


def close_thread_sockets(thread_id: int) -> None:
    """The thread is gone from view: its sockets close after they heard why."""
    _send(thread_group(thread_id), {"type": "socket.close"})


def queue_changed() -> None:
    """Something entered or left the review queue: open queue pages fetch it again. The
    message carries nothing of what changed."""
    _send(MODERATORS_GROUP, event_message("moderators.event", "queue_changed"))


def notices_changed(member_id: int, unread: int) -> None:
    """The member's unread notices from moderators changed: their pages show the count."""
    _send(
        member_group(member_id),
        event_message("member.event", "notices_changed", unread=unread),
    )


def reactions_changed(post_id: int) -> None:
    """Someone gave or took back a reaction: open pages of the thread show the post's new
    counts. The message is the shared counts partial, the same for every reader, and
    holds nothing of who reacted or who wrote the post."""
    try:
        thread_id = Post.objects.values_list("thread_id", flat=True).get(pk=post_id)
        html = post_counts_html(post_id)
    except Exception:
        logger.warning("broadcast of reactions_changed for post %s failed", post_id, exc_info=True)
        return
    _send(
        thread_group(thread_id),
        event_message("thread.event", "reactions_changed", post_id=post_id, html=html),
    )


def channel_layer_answers() -> bool:
    """Whether the channel layer takes a message now, for the health endpoint."""
    try:
        async_to_sync(_group_send)(HEALTH_GROUP, {"type": "health.checked"})
    except Exception as error:
        # One line per check (monitors ask every few seconds), no traceback.
        logger.warning("the channel layer did not answer the health check: %r", error)
        return False
    return True
