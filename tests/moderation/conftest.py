"""Fixtures for the moderation tests (pages and actions). Data is made through the real
actions: forum's for members and posts, moderation's for moderators and reports."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from forum import actions as forum_actions
from forum.models import Member, Post, PostStatus, Thread, TrustLevel
from moderation import actions
from moderation.models import Report, ReportReason, ReviewItem


@pytest.fixture
def make_moderator(make_member: Callable[..., Member]) -> Callable[..., Member]:
    """A member made a moderator through `make_moderator`, as an operator would (the
    log row has no moderator). Two-factor set-up is the pages' business, not this."""

    def make(pseudonym: str | None = None) -> Member:
        member = make_member(pseudonym)
        actions.make_moderator(member=member, by=None, reason="made a moderator for a test")
        # A fresh object: permission caches belong to the object that asked.
        return Member.objects.get(pk=member.pk)

    return make


@pytest.fixture
def moderator(make_moderator: Callable[..., Member]) -> Member:
    return make_moderator("CalmOwl")


@pytest.fixture
def new_member(make_member: Callable[..., Member]) -> Member:
    return make_member("FirstSteps", trust=TrustLevel.NEW)


@pytest.fixture
def thread(make_thread: Callable[..., Thread]) -> Thread:
    return make_thread(title="Starting with dilators")


@pytest.fixture
def make_held_reply(
    make_member: Callable[..., Member], thread: Thread
) -> Callable[..., tuple[Post, ReviewItem]]:
    """A new member's reply, held for approval, with its open review item."""

    def make(
        author: Member | None = None,
        body: str = "Hello, I am new here.",
        in_thread: Thread | None = None,
    ) -> tuple[Post, ReviewItem]:
        post = forum_actions.post_reply(
            author=author or make_member(trust=TrustLevel.NEW),
            thread=in_thread or thread,
            body=body,
        )
        assert post.status == PostStatus.HELD
        item = ReviewItem.objects.get(post=post, status=ReviewItem.Status.OPEN)
        return post, item

    return make


@pytest.fixture
def make_report(make_member: Callable[..., Member]) -> Callable[..., Report]:
    """A report through the real action, by a fresh member of the given trust level."""

    def make(
        post: Post,
        reporter: Member | None = None,
        reason: str = ReportReason.HARASSMENT,
        note: str = "",
        trust: str = TrustLevel.NEW,
    ) -> Report:
        return actions.report_post(
            reporter=reporter or make_member(trust=trust), post=post, reason=reason, note=note
        )

    return make


def open_item(post: Post) -> ReviewItem:
    """The post's one open review item."""
    return ReviewItem.objects.get(post=post, status=ReviewItem.Status.OPEN)


LIVE_EFFECTS = (
    "reply_posted",
    "post_changed",
    "thread_changed",
    "close_thread_sockets",
    "close_member_sockets",
    "queue_changed",
    "notices_changed",
    "notifications_changed",
)


@pytest.fixture
def broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[object, ...]]]:
    """Records every forum.broadcast call (name and arguments) instead of sending it.
    Run the action inside django_capture_on_commit_callbacks(execute=True) to see them."""
    from forum import broadcast

    heard: list[tuple[str, tuple[object, ...]]] = []
    for name in LIVE_EFFECTS:

        def record(*args: object, _name: str = name, **kwargs: object) -> None:
            heard.append((_name, args + tuple(sorted(kwargs.items()))))

        monkeypatch.setattr(broadcast, name, record)
    return heard
