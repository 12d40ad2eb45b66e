"""Who a member hears from and how they see others: mutes, blocks, hidden anonymous
authors, and the one decision whether a member is told about a post.

The privacy rule behind all of it: a block follows an account, so it may only ever act
on posts that show that account's pseudonym. An anonymous post is never folded or kept
from notifying because its hidden author is someone the reader blocked: either would
tell the blocker who wrote it. For anonymous authors the reader hides an alias in one
thread instead, which acts only on the posts that show that alias.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef

from forum import aliases
from forum.models import Block, CategoryMute, HiddenAuthor, Member, Post, Thread, ThreadMute


def notifiable_recipients(
    *,
    post: Post,
    candidates: Iterable[int],
    actor_id: int | None = None,
    actor_named: bool | None = None,
) -> set[int]:
    """Of the members who would be told about `post` (by id), those who want to be.

    `actor_id` is whose act it is: by default the post's author (a reply, a quote, a new
    entry); another member for an act on the post (a reaction). The actor is never told
    of their own act. `actor_named`: whether the act shows the actor's pseudonym (by
    default, whether the post is named); pass False for an act that shows no name.

    Left out: whoever muted the post's thread or its category; whoever blocked the actor,
    only when the act shows the actor's pseudonym; whoever hid the post's alias in its
    thread, only for the act of writing an anonymous post. A block never silences what
    shows no name: the missing notification would tell the blocker who is behind it.
    One query, whatever the number of candidates.
    """
    actor = post.author_id if actor_id is None else actor_id
    named = (not post.is_anonymous) if actor_named is None else actor_named
    wanted = set(candidates) - {actor}
    if not wanted:
        return set()
    category = Thread.objects.filter(pk=post.thread_id).values("category_id")[:1]
    told = (
        Member.objects.filter(pk__in=wanted)
        .exclude(Exists(ThreadMute.objects.filter(member=OuterRef("pk"), thread_id=post.thread_id)))
        .exclude(Exists(CategoryMute.objects.filter(member=OuterRef("pk"), category_id=category)))
    )
    if named:
        told = told.exclude(Exists(Block.objects.filter(blocker=OuterRef("pk"), blocked_id=actor)))
    elif post.is_anonymous and actor == post.author_id:
        hid = HiddenAuthor.objects.filter(
            member=OuterRef("pk"), thread_id=post.thread_id, author_id=actor
        )
        told = told.exclude(Exists(hid))
    return set(told.values_list("pk", flat=True))


def blocked_pseudonyms(member: Member) -> list[str]:
    """The pseudonyms (as they are now) of the members this member blocked."""
    return sorted(Block.objects.filter(blocker=member).values_list("blocked__pseudonym", flat=True))


def hidden_aliases(member: Member, thread: Thread) -> list[str]:
    """The aliases this member hid in this thread, as the thread's posts show them.

    Only aliases: the page carries them, and an alias is already public text on its
    posts. One query, and one more (to number colliding aliases) when there are any.
    """
    author_ids = list(
        HiddenAuthor.objects.filter(member=member, thread=thread).values_list(
            "author_id", flat=True
        )
    )
    if not author_ids:
        return []
    numbers = aliases.collision_numbers({thread.pk})
    return sorted(aliases.alias_in(thread, author_id, numbers) for author_id in author_ids)


def hidden_authors_listed(member: Member) -> list[tuple[HiddenAuthor, str]]:
    """The member's hidden anonymous authors with the alias each is hidden under, for
    their settings and export. Two queries, whatever the number of rows."""
    rows = list(
        HiddenAuthor.objects.filter(member=member)
        .select_related("thread")
        .only(
            "thread_id",
            "author_id",
            "created_at",
            "thread__title",
            "thread__author",
            "thread__is_anonymous",
        )
        .order_by("-created_at", "-id")
    )
    numbers = aliases.collision_numbers({row.thread_id for row in rows}) if rows else {}
    return [(row, aliases.alias_in(row.thread, row.author_id, numbers)) for row in rows]


@dataclass(frozen=True)
class SeenBy:
    """What a thread page hands the member's browser to fold posts away for them: the
    pseudonyms they blocked and the aliases they hid in this thread. Both are names the
    posts already show; nothing here names the account behind an alias."""

    blocked: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()

    @classmethod
    def of(cls, viewer: Member | AnonymousUser, thread: Thread) -> SeenBy:
        """Two queries for a member (a third when they hid an author here), none for a
        visitor."""
        if not isinstance(viewer, Member):
            return cls()
        return cls(
            blocked=frozenset(blocked_pseudonyms(viewer)),
            hidden=frozenset(hidden_aliases(viewer, thread)),
        )

    def blocked_json(self) -> str:
        return json.dumps(sorted(self.blocked))

    def hidden_json(self) -> str:
        return json.dumps(sorted(self.hidden))
