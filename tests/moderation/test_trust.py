"""Trust levels: promotion at each threshold, never a demotion, never a locked level.

Time is moved with explicit timestamps (the member's join date and the `now` the
computation is asked about), never by sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from forum import actions as forum_actions
from forum.models import Member, Post, PostStatus, Thread, TrustLevel
from moderation import actions
from moderation.models import Notice, Report, ReviewItem
from moderation.trust import approved_posts, refresh_trust
from tests.moderation.conftest import open_item

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def now() -> datetime:
    return timezone.now()


def joined(member: Member, at: datetime) -> Member:
    Member.objects.filter(pk=member.pk).update(joined_at=at)
    member.refresh_from_db()
    return member


def member_with_posts(
    make_member: Callable[..., Member], thread: Thread, count: int, *, level: str
) -> Member:
    """A member whose `count` posts are published, left at `level` (not locked)."""
    member = make_member(trust=TrustLevel.MEMBER)
    for number in range(count):
        forum_actions.post_reply(author=member, thread=thread, body=f"Post number {number}")
    actions.set_trust_level(moderator=None, member=member, level=level, locked=False, reason="t")
    member.refresh_from_db()
    return member


@pytest.mark.parametrize(
    ("posts", "age", "level"),
    [
        (3, 24 * HOUR, TrustLevel.MEMBER),
        (3, 24 * HOUR - timedelta(seconds=1), TrustLevel.NEW),
        (2, 10 * DAY, TrustLevel.NEW),
        (4, 25 * HOUR, TrustLevel.MEMBER),
    ],
)
def test_new_members_become_members_after_three_approved_posts_and_a_day(
    make_member: Callable[..., Member],
    thread: Thread,
    now: datetime,
    posts: int,
    age: timedelta,
    level: str,
) -> None:
    member = joined(member_with_posts(make_member, thread, posts, level=TrustLevel.NEW), now - age)
    assert refresh_trust(member, now=now) == level
    member.refresh_from_db()
    assert member.trust_level == level


def test_held_posts_count_once_approved(
    make_member: Callable[..., Member],
    moderator: Member,
    thread: Thread,
    now: datetime,
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    newcomer = joined(make_member(trust=TrustLevel.NEW), now - 2 * DAY)
    items = [make_held_reply(author=newcomer, body=f"Hello {n}")[1] for n in range(3)]
    assert refresh_trust(newcomer, now=now) == TrustLevel.NEW

    for item in items:
        actions.approve_post(moderator=moderator, item=item, seen_version=item.version)

    assert refresh_trust(newcomer, now=now) == TrustLevel.MEMBER


def test_rejected_and_removed_posts_do_not_count(
    make_member: Callable[..., Member],
    moderator: Member,
    thread: Thread,
    now: datetime,
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    newcomer = joined(make_member(trust=TrustLevel.NEW), now - 2 * DAY)
    held = [make_held_reply(author=newcomer, body=f"Hello {n}") for n in range(4)]
    for _post, item in held[:2]:
        actions.approve_post(moderator=moderator, item=item, seen_version=item.version)
    rejected_post, rejected_item = held[2]
    actions.reject_post(
        moderator=moderator, item=rejected_item, seen_version=1, reason="r", guideline="no-spam"
    )
    removed_post, removed_item = held[3]
    actions.approve_post(moderator=moderator, item=removed_item, seen_version=1)
    actions.hide_post(moderator=moderator, post=removed_post, reason="r", guideline="be-kind")

    assert approved_posts(newcomer).count() == 2
    assert refresh_trust(newcomer, now=now) == TrustLevel.NEW

    # A rejected post that an appeal later published still does not count.
    notice = Notice.objects.get(post=rejected_post)
    appeal = actions.appeal(member=newcomer, notice=notice, text="It was not an advert")
    actions.approve_post(moderator=moderator, item=appeal, seen_version=1)
    rejected_post.refresh_from_db()
    assert rejected_post.status == PostStatus.PUBLISHED
    assert approved_posts(newcomer).count() == 2


def test_a_post_hidden_by_reports_still_counts(
    make_member: Callable[..., Member],
    thread: Thread,
    now: datetime,
    make_report: Callable[..., Report],
) -> None:
    member = joined(member_with_posts(make_member, thread, 3, level=TrustLevel.NEW), now - 2 * DAY)
    post = Post.objects.filter(author=member).first()
    assert post is not None
    for _ in range(2):
        make_report(post, trust=TrustLevel.TRUSTED)
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW
    assert refresh_trust(member, now=now) == TrustLevel.MEMBER


@pytest.fixture
def few_posts_for_trusted(settings: Settings) -> None:
    settings.TRUST_TRUSTED_POSTS = 5


@pytest.mark.parametrize(
    ("posts", "age", "level"),
    [
        (5, 30 * DAY, TrustLevel.TRUSTED),
        (5, 30 * DAY - HOUR, TrustLevel.MEMBER),
        (4, 300 * DAY, TrustLevel.MEMBER),
    ],
)
@pytest.mark.usefixtures("few_posts_for_trusted")
def test_members_become_trusted_after_thirty_days_and_enough_posts(
    make_member: Callable[..., Member],
    thread: Thread,
    now: datetime,
    posts: int,
    age: timedelta,
    level: str,
) -> None:
    member = joined(
        member_with_posts(make_member, thread, posts, level=TrustLevel.MEMBER), now - age
    )
    assert refresh_trust(member, now=now) == level


def test_fifty_posts_by_default(
    make_member: Callable[..., Member], thread: Thread, now: datetime
) -> None:
    member = joined(
        member_with_posts(make_member, thread, 49, level=TrustLevel.MEMBER), now - 40 * DAY
    )
    assert refresh_trust(member, now=now) == TrustLevel.MEMBER
    forum_actions.post_reply(author=member, thread=thread, body="The fiftieth")
    assert refresh_trust(member, now=now) == TrustLevel.TRUSTED


@pytest.mark.parametrize(
    ("decided_ago", "level"),
    [(89 * DAY, TrustLevel.MEMBER), (91 * DAY, TrustLevel.TRUSTED)],
)
@pytest.mark.usefixtures("few_posts_for_trusted")
def test_an_upheld_report_in_ninety_days_keeps_a_member_from_trusted(
    make_member: Callable[..., Member],
    moderator: Member,
    thread: Thread,
    now: datetime,
    make_report: Callable[..., Report],
    decided_ago: timedelta,
    level: str,
) -> None:
    member = member_with_posts(make_member, thread, 6, level=TrustLevel.MEMBER)
    member = joined(member, now - 200 * DAY)
    post = Post.objects.filter(author=member).first()
    assert post is not None
    make_report(post)
    item = open_item(post)
    actions.hide_post(
        moderator=moderator,
        post=post,
        reason="r",
        guideline="be-kind",
        item=item,
        seen_version=item.version,
    )
    Report.objects.filter(post=post).update(decided_at=now - decided_ago)

    assert refresh_trust(member, now=now) == level


@pytest.mark.usefixtures("few_posts_for_trusted")
def test_a_dismissed_report_does_not_keep_a_member_from_trusted(
    make_member: Callable[..., Member],
    moderator: Member,
    thread: Thread,
    now: datetime,
    make_report: Callable[..., Report],
) -> None:
    member = joined(
        member_with_posts(make_member, thread, 5, level=TrustLevel.MEMBER), now - 40 * DAY
    )
    post = Post.objects.filter(author=member).first()
    assert post is not None
    make_report(post)
    actions.dismiss_reports(moderator=moderator, item=open_item(post), seen_version=1, reason="ok")
    assert refresh_trust(member, now=now) == TrustLevel.TRUSTED


@pytest.mark.usefixtures("few_posts_for_trusted")
def test_a_new_member_who_earned_both_goes_straight_to_trusted(
    make_member: Callable[..., Member], thread: Thread, now: datetime
) -> None:
    member = joined(member_with_posts(make_member, thread, 5, level=TrustLevel.NEW), now - 40 * DAY)
    assert refresh_trust(member, now=now) == TrustLevel.TRUSTED


def test_trust_is_never_lowered(make_member: Callable[..., Member], now: datetime) -> None:
    trusted = make_member(trust=TrustLevel.TRUSTED)
    member = make_member(trust=TrustLevel.MEMBER)
    assert refresh_trust(trusted, now=now) == TrustLevel.TRUSTED
    assert refresh_trust(member, now=now) == TrustLevel.MEMBER
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.MEMBER


def test_a_locked_level_is_left_alone(
    make_member: Callable[..., Member], thread: Thread, now: datetime
) -> None:
    member = joined(member_with_posts(make_member, thread, 5, level=TrustLevel.NEW), now - 5 * DAY)
    actions.set_trust_level(
        moderator=None, member=member, level=TrustLevel.NEW, locked=True, reason="watching"
    )
    assert refresh_trust(member, now=now) == TrustLevel.NEW
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.NEW


def test_posting_refreshes_trust_first(
    make_member: Callable[..., Member], thread: Thread, now: datetime
) -> None:
    member = joined(member_with_posts(make_member, thread, 3, level=TrustLevel.NEW), now - 2 * DAY)
    post = forum_actions.post_reply(author=member, thread=thread, body="Links: https://a.example")
    assert post.status == PostStatus.PUBLISHED
    member.refresh_from_db()
    assert member.trust_level == TrustLevel.MEMBER


def test_thresholds_are_settings(
    settings: Settings, make_member: Callable[..., Member], thread: Thread, now: datetime
) -> None:
    settings.TRUST_MEMBER_APPROVED_POSTS = 1
    settings.TRUST_MEMBER_HOURS = 1
    member = joined(member_with_posts(make_member, thread, 1, level=TrustLevel.NEW), now - 2 * HOUR)
    assert refresh_trust(member, now=now) == TrustLevel.MEMBER
