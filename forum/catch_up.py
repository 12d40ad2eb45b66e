"""What an open thread page missed: the posts after the last one it shows.

The same answer reaches a page two ways. The page asks for it over HTTP whenever its
socket (re)connects (views.posts_after), and the server sends it unasked once the channel
layer answers again after an outage (broadcast's replies_missed), so that a thousand open
pages do not all ask at the same moment. Fragments are the same for every reader, so the
answer is too.
"""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Q, Subquery

from forum.fragments import post_fragments
from forum.models import Post, Thread

# How many missed posts one answer carries; the page asks again for more.
CATCH_UP_LIMIT = 100


class MissedPost(TypedDict):
    id: int
    html: str


class CatchUp(TypedDict):
    posts: list[MissedPost]
    more: bool


def posts_after(thread: Thread, after: int, limit: int = CATCH_UP_LIMIT) -> CatchUp:
    """The thread's placed posts after post `after`, oldest first, at most `limit`."""
    # A held post approved later keeps its older id: it is missed too if it was approved
    # after the page's last post was written.
    seen_at = Post.objects.filter(pk=after, thread=thread).values("created_at")[:1]
    missed = list(
        thread.posts.placed()
        .in_reading_order()
        .filter(Q(pk__gt=after) | Q(approved_at__gt=Subquery(seen_at)))[: limit + 1]
    )
    shown = missed[:limit]
    return {
        "posts": [
            {"id": post.pk, "html": fragment}
            for post, fragment in zip(shown, post_fragments(shown), strict=True)
        ],
        "more": len(missed) > limit,
    }
