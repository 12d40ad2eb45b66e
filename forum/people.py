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


def notifiable_recipients(*, post: Post, candidates: Iterable[int]) -> set[int]:
    """Of the members who would be told about `post` (by id), those who want to be: not
    its own author, nobody who muted its thread or its thread's category, nobody who
    blocked its author when it is a named post, nobody who hid its alias in its thread
    when it is anonymous. One query, whatever the number of candidates.

    Every kind of notification about a post goes through here. An anonymous post ignores
    blocks on purpose: a missing notification would link the alias to the account.
    """
    wanted = set(candidates) - {post.author_id}
    if not wanted:
        return set()
    thread = Thread.objects.filter(pk=post.thread_id).values("category_id")[:1]
    muted = Exists(ThreadMute.objects.filter(member=OuterRef("pk"), thread_id=post.thread_id))
    muted_category = Exists(CategoryMute.objects.filter(member=OuterRef("pk"), category_id=thread))
    if post.is_anonymous:
        turned_away = Exists(
            HiddenAuthor.objects.filter(
                member=OuterRef("pk"), thread_id=post.thread_id, author_id=post.author_id
            )
        )
    else:
        turned_away = Exists(
            Block.objects.filter(blocker=OuterRef("pk"), blocked_id=post.author_id)
        )
    told = Member.objects.filter(pk__in=wanted).exclude(muted | muted_category | turned_away)
    return set(told.values_list("pk", flat=True))


def blocked_pseudonyms(member: Member) -> list[str]:
    """The pseudonyms (as they are now) of the members this member blocked."""
    return sorted(Block.objects.filter(blocker=member).values_list("blocked__pseudonym", flat=True))


def hidden_aliases(member: Member, thread: Thread) -> list[str]:
    """The aliases this member hid in this thread, as the thread's posts show them.

    Only aliases: the page carries them, and an alias is already public text on its
    posts. One query, and one more to number colliding aliases when there are any.
    """
    author_ids = list(
        HiddenAuthor.objects.filter(member=member, thread=thread).values_list(
            "author_id", flat=True
        )
    )
    if not author_ids:
        return []
    numbers = aliases.collision_numbers({thread.pk})
    return sorted(alias_in(thread, author_id, numbers) for author_id in author_ids)


def alias_in(thread: Thread, author_id: int, numbers: dict[tuple[int, int], int]) -> str:
    """What an anonymous author's posts in `thread` are shown under (forum.aliases)."""
    if thread.is_anonymous and author_id == thread.author_id:
        return aliases.starter_alias(thread)
    number = numbers.get((thread.pk, author_id), 1)
    alias = aliases.base_alias(thread.pk, author_id)
    return alias if number <= 1 else f"{alias} {number}"


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
    return [(row, alias_in(row.thread, row.author_id, numbers)) for row in rows]


@dataclass(frozen=True)
class SeenBy:
    """What a thread page hands the member's browser to fold posts away for them: the
    pseudonyms they blocked and the aliases they hid in this thread. Both are names the
    posts already show; nothing here names the account behind an alias."""

    blocked: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()

    @classmethod
    def of(cls, viewer: Member | AnonymousUser, thread: Thread) -> SeenBy:
        """Two queries for a member (a third when a hidden alias needs numbering), none
        for a visitor."""
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
