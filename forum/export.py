"""A member's own data, as the download in Settings › Your data gives it.

One read per section. Each holds only what is the member's own: nothing names another
member (a reply in their thread is "a reply in your thread" with the post's id, not who
wrote it), nothing says who reported them, and no moderator is named. The whole export
costs the same few queries however much the member wrote.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone

from forum.content_warnings import reader_choices
from forum.models import (
    Bookmark,
    BrowserSession,
    Follow,
    Journey,
    JourneyEntry,
    Member,
    Notification,
    Post,
    Reaction,
    Thread,
)
from forum.people import hidden_authors_listed

FORMAT_VERSION = 1


def _when(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _label(choices: dict[str, Any], value: str) -> str:
    return str(choices.get(value, value))


def profile(member: Member) -> dict[str, Any]:
    return {
        "pseudonym": member.pseudonym,
        "joined": _when(member.joined_at),
        "trust_level": member.trust_level,
        "suspended_until": _when(member.suspended_until),
        "preferences": {
            "discreet_mode": member.discreet_mode,
            "content_warnings": reader_choices(member.content_warning_choices),
            "hide_reaction_counts": member.hide_reaction_counts,
        },
    }


def posts(member: Member) -> list[dict[str, Any]]:
    """Every post they wrote, anonymous ones included (marked), with earlier versions.
    Two queries: the posts with their threads, and every revision of them."""
    rows = (
        Post.objects.filter(author=member)
        .select_related("thread")
        .prefetch_related("revisions")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": post.pk,
            "thread": {"id": post.thread_id, "title": post.thread.title},
            "anonymous": post.is_anonymous,
            "status": post.status,
            "created": _when(post.created_at),
            "edited": _when(post.edited_at),
            "deleted": _when(post.deleted_at),
            "content_warnings": list(post.content_warnings or []),
            "body": post.body,
            "earlier_versions": [
                {"written": _when(revision.written_at), "body": revision.body}
                for revision in post.revisions.all()
            ],
        }
        for post in rows
    ]


def threads_started(member: Member) -> list[dict[str, Any]]:
    rows = Thread.objects.filter(author=member).order_by("created_at", "id")
    return [
        {
            "id": thread.pk,
            "title": thread.title,
            "anonymous": thread.is_anonymous,
            "status": thread.status,
            "created": _when(thread.created_at),
            "category": thread.category_id,
        }
        for thread in rows.only("title", "is_anonymous", "status", "created_at", "category_id")
    ]


def notifications(member: Member) -> list[dict[str, Any]]:
    """Their own notifications: what happened and where, never who did it."""
    kinds = dict(Notification.Kind.choices)
    rows = (
        Notification.objects.filter(recipient=member)
        .select_related("post", "entry")
        .only("kind", "created_at", "read_at", "post__id", "post__thread_id", "entry__journey_id")
        .order_by("created_at", "id")
    )
    return [
        {
            "kind": _label(kinds, row.kind),
            "post_id": row.post_id,
            # A journey's new entry: the entry's id, in the journey's thread.
            **({"entry_id": row.entry_id} if row.entry_id is not None else {}),
            "thread_id": row.post.thread_id if row.post else row.entry.journey_id,  # type: ignore[union-attr]
            "created": _when(row.created_at),
            "read": _when(row.read_at),
        }
        for row in rows
    ]


def reports_filed(member: Member) -> list[dict[str, Any]]:
    """Reports they sent: reason, note and state, nothing of anyone else's reports."""
    rows = member.reports_made.order_by("created_at", "id").values(
        "post_id", "reason", "note", "status", "created_at", "decided_at"
    )
    return [
        {
            "post_id": row["post_id"],
            "reason": row["reason"],
            "note": row["note"],
            "state": row["status"],
            "sent": _when(row["created_at"]),
            "decided": _when(row["decided_at"]),
        }
        for row in rows
    ]


def moderation_notices(member: Member) -> list[dict[str, Any]]:
    """What the moderators told them, without saying which moderator."""
    rows = member.moderation_notices.order_by("created_at", "id").values(
        "kind", "post_id", "reason", "guideline", "created_at", "read_at", "appealed_at"
    )
    return [
        {
            "kind": row["kind"],
            "post_id": row["post_id"],
            "reason": row["reason"],
            "guideline": row["guideline"],
            "sent": _when(row["created_at"]),
            "read": _when(row["read_at"]),
            "appealed": _when(row["appealed_at"]),
        }
        for row in rows
    ]


def browser_sessions(member: Member) -> list[dict[str, Any]]:
    """The sessions list as they see it: started, last day used, browser family."""
    rows = BrowserSession.objects.filter(member=member).order_by("started_at", "id")
    return [
        {
            "started": _when(row.started_at),
            "last_used_on": _when(row.last_used_on),
            "browser": row.browser or "Other",
        }
        for row in rows.only("started_at", "last_used_on", "browser")
    ]


def people_choices(member: Member) -> dict[str, Any]:
    """Their perspective and whom and what they muted, blocked or hid. Blocked members by
    the pseudonym the member sees; a hidden anonymous author by thread and alias only,
    never the account behind it."""
    return {
        "perspective": member.perspective,
        "muted_threads": [
            {"thread_id": row["thread_id"], "muted": _when(row["created_at"])}
            for row in member.thread_mutes.order_by("created_at", "id").values(
                "thread_id", "created_at"
            )
        ],
        "muted_categories": [
            {"category": row["category__slug"], "muted": _when(row["created_at"])}
            for row in member.category_mutes.order_by("created_at", "id").values(
                "category__slug", "created_at"
            )
        ],
        "blocked": [
            {"pseudonym": row["blocked__pseudonym"], "blocked": _when(row["created_at"])}
            for row in member.blocks_made.order_by("created_at", "id").values(
                "blocked__pseudonym", "created_at"
            )
        ],
        "hidden_anonymous_authors": [
            {"thread_id": hidden.thread_id, "alias": alias, "hidden": _when(hidden.created_at)}
            for hidden, alias in hidden_authors_listed(member)
        ],
    }


def reactions(member: Member) -> list[dict[str, Any]]:
    """Reactions they gave: the post and the kind. Nothing of the post's author, who may
    have written it anonymously."""
    rows = Reaction.objects.filter(member=member).order_by("created_at", "id")
    return [
        {"post_id": row["post_id"], "kind": row["kind"], "given": _when(row["created_at"])}
        for row in rows.values("post_id", "kind", "created_at")
    ]


def member_data(member: Member) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "exported": _when(timezone.now()),
        "profile": profile(member),
        "posts": posts(member),
        "threads_started": threads_started(member),
        "notifications": notifications(member),
        "reports_filed": reports_filed(member),
        "moderation_notices": moderation_notices(member),
        "browser_sessions": browser_sessions(member),
        "people": people_choices(member),
        "reactions": reactions(member),
        "journeys": journeys(member),
        "following": following(member),
        "saved_posts": saved_posts(member),
    }


def member_data_json(member: Member) -> str:
    return json.dumps(member_data(member), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def journeys(member: Member) -> list[dict[str, Any]]:
    """Their journeys with every entry, private ones included (marked). Two queries."""
    rows = (
        Journey.objects.filter(thread__author=member)
        .select_related("thread")
        .prefetch_related(
            Prefetch("entries", queryset=JourneyEntry.objects.order_by("happened_on", "id"))
        )
        .order_by("thread__created_at", "thread_id")
    )
    return [
        {
            "thread_id": journey.thread_id,
            "title": journey.thread.title,
            "anonymous": journey.thread.is_anonymous,
            "entries": [
                {
                    "id": entry.pk,
                    "date": _when(entry.happened_on),
                    "shared": entry.is_shared,
                    "milestone": entry.milestone,
                    "dilator_size": entry.dilator_size,
                    "comfort": entry.comfort,
                    "comfort_shared": entry.shares_comfort,
                    "note": entry.note,
                    "created": _when(entry.created_at),
                    "edited": _when(entry.edited_at),
                }
                for entry in journey.entries.all()
            ],
        }
        for journey in rows
    ]


def following(member: Member) -> list[dict[str, Any]]:
    """The threads and journeys they follow."""
    rows = Follow.objects.filter(member=member).select_related("thread").order_by("created_at")
    return [
        {"thread_id": row.thread_id, "title": row.thread.title, "since": _when(row.created_at)}
        for row in rows.only("created_at", "thread__title")
    ]


def saved_posts(member: Member) -> list[dict[str, Any]]:
    """The posts they saved: which and when, not the words of others."""
    rows = Bookmark.objects.filter(member=member).order_by("created_at", "id")
    return [
        {"post_id": row.post_id, "saved": _when(row.created_at)}
        for row in rows.only("post_id", "created_at")
    ]
