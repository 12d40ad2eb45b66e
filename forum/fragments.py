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

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.translation import get_language

from forum.aliases import assign as assign_aliases
from forum.models import Member, Post
from forum.people import SeenBy

logger = logging.getLogger("ownpace.fragments")

CACHE_SECONDS = 60 * 60 * 24


def _cache_key(post_id: int, language: str | None) -> str:
    return f"post-fragment:{post_id}:{language}"


def _version(post: Post) -> str:
    # Everything the fragment shows, so an edited post or a renamed author is rendered
    # afresh: old text and old names are never served again. A post switched to
    # anonymous (or whose alias changed with the secret) is rendered afresh too; an
    # anonymous post's version holds nothing of its account. Added or removed content
    # warnings change the version too.
    facts = (
        post.edited_at,
        post.deleted_at,
        post.status,
        post.removal_guideline,
        post.is_anonymous,
        tuple(post.content_warnings or ()),
        post.alias if post.is_anonymous else post.author.pseudonym,
        # An anonymous post's label is its own, frozen; a named post's is its author's.
        post.perspective_label,
    )
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:16]


def render_post(post: Post) -> str:
    """The shared fragment. An anonymous post must have its alias assigned first
    (forum.aliases.assign, as post_fragments does)."""
    return render_to_string("forum/thread.html#post", {"post": post})


def post_fragments(posts: Sequence[Post]) -> list[str]:
    """The fragment of each post, in order, from the cache where it is already there."""
    assign_aliases(posts)
    language = get_language()
    keys = [_cache_key(post.pk, language) for post in posts]
    try:
        cached: dict[str, tuple[str, str]] = cache.get_many(keys)
    except Exception:
        # A down cache slows the page; it must not break it.
        logger.warning("fragment cache unavailable; rendering posts directly")
        cached = {}
    fragments = []
    fresh = {}
    for key, post in zip(keys, posts, strict=True):
        version = _version(post)
        cached_version, fragment = cached.get(key, ("", ""))
        if cached_version != version:
            fragment = render_post(post)
            fresh[key] = (version, fragment)
        fragments.append(fragment)
    if fresh:
        try:
            cache.set_many(fresh, CACHE_SECONDS)
        except Exception:
            logger.warning("fragment cache unavailable; rendered posts not kept")
    return fragments


def forget_post(post_id: int) -> None:
    """Drop a post's cached fragment now, so edited or deleted words leave the cache too."""
    try:
        cache.delete_many([_cache_key(post_id, code) for code, _name in settings.LANGUAGES])
    except Exception:
        logger.warning("fragment cache unavailable; post %s expires on its own", post_id)


def viewer_actions(
    post: Post,
    viewer: Member,
    *,
    reads_every_history: bool,
    moderates: bool = False,
    seen: SeenBy | None = None,
) -> str:
    if post.is_deleted:
        return ""
    seen = seen or SeenBy()
    is_author = post.author_id == viewer.pk and not post.is_removed
    may_read_history = post.edited_at is not None and (is_author or reads_every_history)
    # Someone else's post the member reads: a named one's author can be blocked, an
    # anonymous one's alias hidden in this thread (never blocked: forum.people).
    others = post.author_id != viewer.pk and post.shows_text
    is_blocked = others and not post.is_anonymous and post.author.pseudonym in seen.blocked
    may_block = others and not post.is_anonymous and not is_blocked
    is_hidden_author = others and post.is_anonymous and post.alias in seen.hidden
    may_hide_author = others and post.is_anonymous and not is_hidden_author
    people_controls = (is_blocked, may_block, is_hidden_author, may_hide_author)
    if not any((is_author, may_read_history, moderates, *people_controls)):
        return ""
    return render_to_string(
        "forum/thread.html#viewer_actions",
        {
            "post": post,
            "is_author": is_author,
            "may_read_history": may_read_history,
            "moderates": moderates,
            "is_blocked": is_blocked,
            "may_block": may_block,
            "is_hidden_author": is_hidden_author,
            "may_hide_author": may_hide_author,
        },
    )


def under_review(post: Post, viewer: Member, *, moderates: bool) -> str:
    """A post hidden while moderators review it keeps showing its text to its author
    and to moderators, with a banner saying so; everyone else has the tombstone."""
    if not post.is_hidden_for_review or post.is_deleted:
        return ""
    is_author = post.author_id == viewer.pk
    if not (is_author or moderates):
        return ""
    return render_to_string(
        "forum/thread.html#under_review", {"post": post, "is_author": is_author}
    )


@dataclass(frozen=True)
class ShownPost:
    fragment: str
    viewer_actions: str = ""
    under_review: str = ""
    # The post's reactions (forum.reactions): shared counts and this viewer's buttons.
    reactions: str = ""


def posts_for_viewer(
    posts: Sequence[Post],
    viewer: Member | AnonymousUser,
    *,
    moderates: bool = False,
    seen: SeenBy | None = None,
) -> list[ShownPost]:
    """The thread page's posts, each with the links this viewer may use on it.

    `moderates`: the viewer is a moderator who has confirmed two-factor sign-in; their
    posts carry a "Moderate" link and they read posts hidden for review.
    """
    fragments = post_fragments(posts)
    if not isinstance(viewer, Member):
        return [ShownPost(fragment=fragment) for fragment in fragments]
    # The permission is asked once per page, and only when someone else's edited post
    # is on it.
    reads_every_history = (
        any(
            post.edited_at and not post.is_deleted and post.author_id != viewer.pk for post in posts
        )
        and viewer.may_read_post_history()
    )
    return [
        ShownPost(
            fragment=fragment,
            viewer_actions=viewer_actions(
                post,
                viewer,
                reads_every_history=reads_every_history,
                moderates=moderates,
                seen=seen,
            ),
            under_review=under_review(post, viewer, moderates=moderates),
        )
        for post, fragment in zip(posts, fragments, strict=True)
    ]
