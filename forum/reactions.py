"""How reactions appear on a thread page: counts every reader sees alike, and the
reaction buttons of the member reading.

The counts are a shared partial (`forum/_reactions.html#counts`), identical for every
viewer and sent as it is to open pages when they change (forum.broadcast). The buttons
are per viewer (they carry the member's form token and which reactions they gave), so
they are rendered beside the post's shared fragment, never inside it, and never sent
over the socket. Nothing here names who reacted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from forum.fragments import ShownPost
from forum.models import Member, Post, Reaction, ReactionKind


def _kinds(counts: dict[str, int], mine: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    return [
        {"value": value, "label": label, "count": counts.get(value, 0), "mine": value in mine}
        for value, label in ReactionKind.choices
    ]


def counts_html(post_id: int, counts: dict[str, int]) -> str:
    """The shared counts partial of one post."""
    return render_to_string(
        "forum/_reactions.html#counts", {"post_id": post_id, "kinds": _kinds(counts)}
    )


def post_counts_html(post_id: int) -> str:
    """The counts partial of one post as it stands now (one query)."""
    found = Reaction.objects.counts_for([post_id]).get(post_id)
    return counts_html(post_id, found.counts if found else {})


def reaction_blocks(
    posts: Sequence[Post], viewer: Member | AnonymousUser, *, csrf_token: str = ""
) -> list[str]:
    """Each post's reactions block for this viewer, in one query for the whole page.

    Tombstones (deleted, removed, hidden for review) have none. Visitors see the counts;
    members see them unless they chose to hide them, and the buttons on others' posts
    (suspended members read without them).
    """
    shown = [post for post in posts if post.shows_text]
    found = Reaction.objects.counts_for([post.pk for post in shown], viewer) if shown else {}
    member = viewer if isinstance(viewer, Member) else None
    show_counts = member is None or not member.hide_reaction_counts
    blocks = []
    for post in posts:
        if not post.shows_text:
            blocks.append("")
            continue
        counts = found.get(post.pk)
        context = {
            "post_id": post.pk,
            "kinds": _kinds(counts.counts, counts.mine) if counts else _kinds({}),
            "show_counts": show_counts,
            "may_react": (
                member is not None and not member.is_suspended and post.author_id != member.pk
            ),
            "csrf_token": csrf_token,
        }
        blocks.append(render_to_string("forum/_reactions.html#block", context))
    return blocks


def block_for_live_replies(viewer: Member | AnonymousUser, *, csrf_token: str = "") -> str:
    """The reactions block of a reply with no reactions yet, for post id 0: the page's
    script copies it for each reply that arrives live, with the reply's id (no query)."""
    member = viewer if isinstance(viewer, Member) else None
    return render_to_string(
        "forum/_reactions.html#block",
        {
            "post_id": 0,
            "kinds": _kinds({}),
            "show_counts": member is None or not member.hide_reaction_counts,
            "may_react": member is not None and not member.is_suspended,
            "csrf_token": csrf_token,
        },
    )


def with_reactions(
    shown: Sequence[ShownPost],
    posts: Sequence[Post],
    viewer: Member | AnonymousUser,
    *,
    csrf_token: str = "",
) -> list[ShownPost]:
    """The thread page's posts with their reactions blocks."""
    blocks = reaction_blocks(posts, viewer, csrf_token=csrf_token)
    return [
        dataclasses.replace(item, reactions=block)
        for item, block in zip(shown, blocks, strict=True)
    ]
