"""The only module that talks to the channel layer.

Actions schedule these functions with transaction.on_commit, so a reader never hears of
a write that did not happen. Each renders a post's fragment once (the same partial the
thread page shows) and sends the same bytes to every socket of the thread. The database
is the truth and the socket only a fast path: a failed send is logged and never fails
the write, and pages catch up over HTTP whenever they (re)connect.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from forum.fragments import render_post
from forum.models import Post

logger = logging.getLogger("ownpace.broadcast")


def thread_group(thread_id: int) -> str:
    return f"thread-{thread_id}"


def member_group(member_id: int) -> str:
    return f"member-{member_id}"


def _send(group: str, message: dict[str, Any]) -> None:
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # One line per failed event, no traceback storm and nothing a reader wrote.
        logger.warning("broadcast of %s to %s failed", message.get("event"), group, exc_info=True)


def _post_event(event: str, post_id: int) -> None:
    post = Post.objects.in_reading_order().filter(pk=post_id).first()
    if post is None:
        return
    _send(
        thread_group(post.thread_id),
        {"type": "thread.event", "event": event, "post_id": post.pk, "html": render_post(post)},
    )


def reply_posted(post_id: int) -> None:
    _post_event("reply_posted", post_id)


def post_changed(post_id: int) -> None:
    """An edit, or a deletion by its author: the post is replaced in place."""
    _post_event("post_changed", post_id)


def close_member_sockets(member_id: int) -> None:
    """Sign-out, a new password or a suspension: the member's open sockets must close,
    because a socket keeps the identity it connected with."""
    _send(member_group(member_id), {"type": "socket.close"})
