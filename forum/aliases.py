"""Aliases for anonymous posts: "Anonymous Gentle Heron", stable per member per thread.

An alias is chosen by HMAC-SHA256(settings.ALIAS_SECRET, "<thread id>:<account id>"):
it is the same for one member throughout one thread, different (as far as a word list
allows) across threads, and nobody without the secret can compute it from an account or
turn it back into one. ALIAS_SECRET comes from the environment; by default it is derived
from SECRET_KEY, so rotating either one gives every anonymous post a new alias.

When the thread's starter opened it anonymously, their alias carries "original poster"
(never when the thread was opened under a pseudonym: that would tie the alias to it).

Collisions: 48 adjectives × 64 animals give 3,072 aliases. Two members who draw the same
one in a thread are told apart by a number: whoever first posted anonymously in the
thread keeps the plain alias, the next is "… 2", and so on. That takes one query for a
whole page (never one per post), and only when the page has anonymous replies.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Min
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from forum.models import Post, Thread

ADJECTIVES = (
    "Gentle", "Quiet", "Brave", "Calm", "Kind", "Patient", "Bright", "Steady", "Hopeful",
    "Warm", "Curious", "Tender", "Soft", "Bold", "Clever", "Wise", "Honest", "Easy",
    "Merry", "Sunny", "Misty", "Silver", "Golden", "Amber", "Velvet", "Mellow", "Nimble",
    "Humble", "Lively", "Dreamy", "Sturdy", "Serene", "Cosy", "Radiant", "Peaceful",
    "Thoughtful", "Playful", "Graceful", "Resilient", "Friendly", "Cheerful", "Careful",
    "Spirited", "Earnest", "Hardy", "Loyal", "Sincere", "Restful",
)  # fmt: skip

ANIMALS = (
    "Heron", "Otter", "Badger", "Fox", "Hare", "Owl", "Robin", "Wren", "Finch", "Swan",
    "Deer", "Seal", "Dolphin", "Whale", "Turtle", "Tortoise", "Panda", "Koala", "Lynx",
    "Marten", "Beaver", "Hedgehog", "Squirrel", "Dormouse", "Sparrow", "Kingfisher",
    "Puffin", "Penguin", "Pelican", "Crane", "Stork", "Ibis", "Falcon", "Kestrel", "Lark",
    "Starling", "Magpie", "Raven", "Dove", "Pigeon", "Moth", "Butterfly", "Dragonfly",
    "Bee", "Ladybird", "Salmon", "Trout", "Starfish", "Octopus", "Manatee", "Walrus",
    "Alpaca", "Llama", "Camel", "Zebra", "Giraffe", "Elephant", "Rabbit", "Lemur",
    "Gecko", "Newt", "Frog", "Toad", "Quail",
)  # fmt: skip


def _digest(thread_id: int, member_id: int) -> bytes:
    key = str(settings.ALIAS_SECRET).encode()
    return hmac.new(key, f"{thread_id}:{member_id}".encode(), hashlib.sha256).digest()


def base_alias(thread_id: int, member_id: int) -> str:
    """The alias before any collision number or "original poster"."""
    digest = _digest(thread_id, member_id)
    adjective = ADJECTIVES[int.from_bytes(digest[:8], "big") % len(ADJECTIVES)]
    animal = ANIMALS[int.from_bytes(digest[8:16], "big") % len(ANIMALS)]
    return _("Anonymous %(adjective)s %(animal)s") % {"adjective": adjective, "animal": animal}


def starter_alias(thread: Thread) -> str:
    """The alias an anonymous thread's starter shows in it and in thread lists."""
    return _("%(alias)s (original poster)") % {"alias": base_alias(thread.pk, thread.author_id)}


def _numbered(alias: str, number: int) -> str:
    return alias if number <= 1 else f"{alias} {number}"


def assign(posts: Iterable[Post]) -> None:
    """Set `post.alias` on each anonymous post (and "" on the others).

    The posts need `thread` loaded with its `author_id` and `is_anonymous` (see
    PostQuerySet.in_reading_order). One query in all when replies are anonymous, to
    number aliases that collide; none otherwise.
    """
    posts = list(posts)
    replies: list[Post] = []
    for post in posts:
        post.alias = ""
        if not post.is_anonymous:
            continue
        if post.thread.is_anonymous and post.author_id == post.thread.author_id:
            post.alias = starter_alias(post.thread)
        else:
            replies.append(post)
    if not replies:
        return
    numbers = collision_numbers({post.thread_id for post in replies})
    for post in replies:
        number = numbers.get((post.thread_id, post.author_id), 1)
        post.alias = _numbered(base_alias(post.thread_id, post.author_id), number)


def collision_numbers(thread_ids: set[int]) -> dict[tuple[int, int], int]:
    """For each (thread, member) who posted anonymously there (the anonymous starter
    aside): their place among the members sharing their alias, by first anonymous post."""
    from forum.models import Post

    rows = (
        Post.objects.filter(thread_id__in=thread_ids, is_anonymous=True)
        .values("thread_id", "author_id", "thread__author_id", "thread__is_anonymous")
        .annotate(first=Min("id"))
        .order_by("first")
    )
    taken: dict[tuple[int, str], int] = defaultdict(int)
    numbers: dict[tuple[int, int], int] = {}
    for row in rows:
        thread_id, member_id = row["thread_id"], row["author_id"]
        if row["thread__is_anonymous"] and member_id == row["thread__author_id"]:
            continue
        key = (thread_id, base_alias(thread_id, member_id))
        taken[key] += 1
        numbers[(thread_id, member_id)] = taken[key]
    return numbers


def post_alias(post: Post) -> str:
    """One post's alias on its own (a moderator's page, a quote): at most one query."""
    if not post.is_anonymous:
        return ""
    assign([post])
    return str(post.alias)


def alias_in(thread: Thread, member_id: int, numbers: dict[tuple[int, int], int]) -> str:
    """What a member's anonymous posts in `thread` show, without a post at hand (a hidden
    author in Settings › People). `numbers`: collision_numbers for the thread."""
    if thread.is_anonymous and member_id == thread.author_id:
        return starter_alias(thread)
    return _numbered(base_alias(thread.pk, member_id), numbers.get((thread.pk, member_id), 1))
