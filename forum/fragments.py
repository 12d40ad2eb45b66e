"""Post fragments: each post's HTML is rendered once and reused by every page view.

A fragment is the thread page's own `post` partial. It is identical for every viewer
(the live updates will send the same bytes to every socket), so it holds no control that
depends on who is reading. The few per-viewer links (edit, delete, history) are rendered
beside it, only for the posts where the viewer may use them.

Both are the output of Django's autoescaping templates (SafeString, kept as such through
the cache's pickling); nothing here marks a string safe by hand.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language

from forum.models import Member, Post

logger = logging.getLogger("ownpace.fragments")

CACHE_SECONDS = 60 * 60 * 24


def _cache_key(post: Post) -> str:
    # Everything the fragment shows is in the key, so a changed post or a renamed author
    # simply misses the cache: old text and old names are never served again.
    facts = "|".join(
        str(part)
        for part in (
            post.pk,
            post.edited_at and post.edited_at.timestamp(),
            post.deleted_at and post.deleted_at.timestamp(),
            post.author.pseudonym,
            get_language(),
        )
    )
    return "post-fragment:" + hashlib.sha256(facts.encode()).hexdigest()[:32]


def render_post(post: Post) -> str:
    return render_to_string("forum/thread.html#post", {"post": post})


def post_fragments(posts: Sequence[Post]) -> list[str]:
    """The fragment of each post, in order, from the cache where it is already there."""
    keys = [_cache_key(post) for post in posts]
    try:
        cached: dict[str, str] = cache.get_many(keys)
    except Exception:
        # A down cache slows the page; it must not break it.
        logger.warning("fragment cache unavailable; rendering posts directly")
        cached = {}
    fragments = []
    missing = {}
    for key, post in zip(keys, posts, strict=True):
        fragment = cached.get(key)
        if fragment is None:
            fragment = missing[key] = render_post(post)
        fragments.append(fragment)
    if missing:
        try:
            cache.set_many(missing, CACHE_SECONDS)
        except Exception:
            logger.warning("fragment cache unavailable; rendered posts not kept")
    return fragments


def viewer_actions(post: Post, viewer: Member | AnonymousUser) -> str:
    if post.is_deleted or not viewer.is_authenticated:
        return ""
    is_author = post.author_id == viewer.pk
    may_read_history = post.edited_at is not None and (
        is_author or viewer.has_perm("forum.view_postrevision")
    )
    if not (is_author or may_read_history):
        return ""
    return render_to_string(
        "forum/thread.html#viewer_actions",
        {"post": post, "is_author": is_author, "may_read_history": may_read_history},
    )


@dataclass(frozen=True)
class ShownPost:
    fragment: str
    viewer_actions: str


def posts_for_viewer(posts: Sequence[Post], viewer: Member | AnonymousUser) -> list[ShownPost]:
    """The thread page's posts, each with the links this viewer may use on it."""
    return [
        ShownPost(fragment=fragment, viewer_actions=viewer_actions(post, viewer))
        for post, fragment in zip(posts, post_fragments(posts), strict=True)
    ]
