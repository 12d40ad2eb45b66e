"""Reports: who may report what, how often, what a report weighs, and hiding a post once
the weighted reports reach the threshold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from forum import actions as forum_actions
from forum.exceptions import ActionRefused
from forum.models import Member, Post, PostStatus, Thread, TrustLevel
from moderation import actions
from moderation.models import Report, ReportReason, ReviewItem
from moderation.trust import report_weight
from tests.moderation.conftest import open_item

Heard = list[tuple[str, tuple[object, ...]]]


@pytest.fixture
def post(thread: Thread, make_reply: Callable[..., Post]) -> Post:
    return make_reply(thread, body="Just relax and it will happen.")


def test_report_post_opens_one_review_item_for_the_post(
    post: Post, make_report: Callable[..., Report]
) -> None:
    first = make_report(post, reason=ReportReason.MEDICAL)
    second = make_report(post, reason=ReportReason.SPAM)

    item = open_item(post)
    assert first.item == second.item == item
    assert item.kind == ReviewItem.Kind.REPORTED
    assert (first.status, first.decided_at) == (Report.Status.OPEN, None)


@pytest.mark.parametrize(
    ("reasons", "priority"),
    [
        (["spam"], 70),
        (["spam", "harassment"], 20),
        (["other", "medical"], 30),
        (["medical", "identifying"], 10),
        (["spam", "at_risk", "medical"], 0),
    ],
)
def test_a_reported_item_takes_its_most_urgent_report_s_priority(
    post: Post, make_report: Callable[..., Report], reasons: list[str], priority: int
) -> None:
    for reason in reasons:
        make_report(
            post, reason=reason, note="this does not feel right" if reason == "other" else ""
        )
    assert open_item(post).priority == priority


def test_report_post_refuses_one_s_own_post(post: Post) -> None:
    with pytest.raises(ActionRefused, match="your own post"):
        actions.report_post(reporter=post.author, post=post, reason="spam")
    assert not Report.objects.exists()


def test_report_post_refuses_a_second_open_report_on_the_same_post(
    post: Post, make_member: Callable[..., Member]
) -> None:
    reporter = make_member()
    actions.report_post(reporter=reporter, post=post, reason="spam")
    with pytest.raises(ActionRefused, match="You have already reported this post"):
        actions.report_post(reporter=reporter, post=post, reason="harassment")
    assert Report.objects.count() == 1


def test_report_post_accepts_a_new_report_after_the_first_was_decided(
    post: Post, make_member: Callable[..., Member], moderator: Member
) -> None:
    reporter = make_member()
    actions.report_post(reporter=reporter, post=post, reason="spam")
    item = open_item(post)
    actions.dismiss_reports(moderator=moderator, item=item, seen_version=1, reason="fine")

    actions.report_post(reporter=reporter, post=post, reason="harassment")

    assert Report.objects.filter(reporter=reporter).count() == 2


def test_report_post_other_needs_a_few_words(
    post: Post, make_member: Callable[..., Member]
) -> None:
    reporter = make_member()
    for note in ("", "weird", "so weird"):
        with pytest.raises(ActionRefused, match="few words"):
            actions.report_post(reporter=reporter, post=post, reason="other", note=note)
    report = actions.report_post(
        reporter=reporter, post=post, reason="other", note="  it mocks   someone's  pain "
    )
    assert report.note == "it mocks someone's pain"


def test_report_post_refuses_an_unknown_reason(
    post: Post, make_member: Callable[..., Member]
) -> None:
    with pytest.raises(ActionRefused, match="choose a reason"):
        actions.report_post(reporter=make_member(), post=post, reason="boring")


def test_report_post_refuses_posts_not_shown(
    post: Post,
    make_member: Callable[..., Member],
    moderator: Member,
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    reporter = make_member()
    held, _item = make_held_reply()
    deleted = forum_actions.post_reply(author=make_member(), thread=post.thread, body="Oops")
    forum_actions.delete_post(member=deleted.author, post=deleted)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")

    for hidden in (held, deleted, post):
        with pytest.raises(ActionRefused, match="not shown"):
            actions.report_post(reporter=reporter, post=hidden, reason="spam")
    assert not Report.objects.filter(reporter=reporter).exists()


def test_report_post_allows_reports_per_day_then_says_when_to_report_again(
    settings: Settings,
    make_member: Callable[..., Member],
    thread: Thread,
    make_reply: Callable[..., Post],
) -> None:
    settings.REPORTS_PER_DAY = 3
    reporter = make_member()
    posts = [make_reply(thread) for _ in range(5)]
    for post in posts[:3]:
        actions.report_post(reporter=reporter, post=post, reason="spam")
    # The oldest of them was sent 20 hours ago: the next one is possible in 4 hours.
    oldest = Report.objects.filter(reporter=reporter).order_by("id").first()
    assert oldest is not None
    Report.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(hours=20))

    with pytest.raises(ActionRefused, match="You can report again in 4 hours"):
        actions.report_post(reporter=reporter, post=posts[3], reason="spam")

    Report.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(hours=25))
    actions.report_post(reporter=reporter, post=posts[3], reason="spam")


def test_moderators_are_not_limited_in_reports(
    settings: Settings, moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    settings.REPORTS_PER_DAY = 1
    for _ in range(3):
        actions.report_post(reporter=moderator, post=make_reply(thread), reason="spam")
    assert Report.objects.filter(reporter=moderator).count() == 3


# --- Weights ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trust", "weight"), [(TrustLevel.NEW, 1), (TrustLevel.MEMBER, 2), (TrustLevel.TRUSTED, 3)]
)
def test_a_report_weighs_by_trust(
    post: Post, make_report: Callable[..., Report], trust: str, weight: int
) -> None:
    assert make_report(post, trust=trust).weight == weight


def test_a_moderator_s_report_weighs_five(post: Post, moderator: Member) -> None:
    assert actions.report_post(reporter=moderator, post=post, reason="spam").weight == 5


def _decided_history(
    reporter: Member,
    *,
    upheld: int,
    dismissed: int,
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
) -> None:
    """The reporter's earlier reports, each decided by a moderator."""
    for index in range(upheld + dismissed):
        post = make_reply(thread)
        actions.report_post(reporter=reporter, post=post, reason="spam")
        item = open_item(post)
        if index < upheld:
            actions.hide_post(
                moderator=moderator,
                post=post,
                reason="spam",
                guideline="no-spam",
                item=item,
                seen_version=item.version,
            )
        else:
            actions.dismiss_reports(
                moderator=moderator, item=item, seen_version=item.version, reason="fine"
            )


@pytest.mark.parametrize(
    ("upheld", "dismissed", "weight"),
    [
        # Fewer than five decided reports: trust alone.
        (4, 0, 2),
        (0, 4, 2),
        # Five or more: at least 75 % upheld adds one, at most 25 % takes one away.
        (4, 1, 3),
        (3, 1, 2),  # only four decided
        (3, 2, 2),
        (1, 3, 2),  # only four decided
        (1, 4, 1),
        (2, 6, 1),
        (0, 5, 1),
    ],
)
def test_report_weight_moves_with_accuracy_once_five_reports_are_decided(
    make_member: Callable[..., Member],
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    upheld: int,
    dismissed: int,
    weight: int,
) -> None:
    reporter = make_member(trust=TrustLevel.MEMBER)
    _decided_history(
        reporter,
        upheld=upheld,
        dismissed=dismissed,
        moderator=moderator,
        thread=thread,
        make_reply=make_reply,
    )
    assert report_weight(reporter) == weight


def test_report_weight_never_goes_below_zero(
    make_member: Callable[..., Member],
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
) -> None:
    reporter = make_member(trust=TrustLevel.NEW)
    _decided_history(
        reporter, upheld=0, dismissed=5, moderator=moderator, thread=thread, make_reply=make_reply
    )
    assert report_weight(reporter) == 0
    # The report is still received, it just adds nothing towards hiding.
    report = actions.report_post(reporter=reporter, post=make_reply(thread), reason="spam")
    assert report.weight == 0


# --- Auto-hide -------------------------------------------------------------------------


def test_reports_below_the_threshold_leave_the_post_shown(
    post: Post, make_report: Callable[..., Report]
) -> None:
    make_report(post, trust=TrustLevel.TRUSTED)  # 3
    make_report(post, trust=TrustLevel.MEMBER)  # 5
    post.refresh_from_db()
    assert (post.status, post.auto_hides) == (PostStatus.PUBLISHED, 0)


def test_reaching_the_threshold_hides_the_post_live(
    post: Post,
    make_report: Callable[..., Report],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    make_report(post, trust=TrustLevel.TRUSTED)
    make_report(post, trust=TrustLevel.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        make_report(post, trust=TrustLevel.NEW)  # 3 + 2 + 1 = 6

    post.refresh_from_db()
    assert (post.status, post.auto_hides) == (PostStatus.HIDDEN_FOR_REVIEW, 1)
    assert ("post_changed", (post.pk,)) in broadcasts
    assert ("queue_changed", ()) in broadcasts


def test_the_threshold_is_a_setting(
    settings: Settings, post: Post, make_report: Callable[..., Report]
) -> None:
    settings.REPORT_HIDE_THRESHOLD = 2
    make_report(post, trust=TrustLevel.MEMBER)
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW


def test_one_moderator_and_one_new_member_hide_a_post(
    post: Post, moderator: Member, make_report: Callable[..., Report]
) -> None:
    actions.report_post(reporter=moderator, post=post, reason="harassment")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    make_report(post, trust=TrustLevel.NEW)
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW


def test_dismissed_reports_no_longer_count_towards_hiding(
    post: Post, moderator: Member, make_report: Callable[..., Report]
) -> None:
    make_report(post, trust=TrustLevel.TRUSTED)
    make_report(post, trust=TrustLevel.MEMBER)
    actions.dismiss_reports(
        moderator=moderator, item=open_item(post), seen_version=1, reason="fine"
    )
    make_report(post, trust=TrustLevel.NEW)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def _hide_by_reports(post: Post, make_report: Callable[..., Report]) -> None:
    make_report(post, trust=TrustLevel.TRUSTED)
    make_report(post, trust=TrustLevel.TRUSTED)


def test_the_author_s_edit_lifts_the_first_hide_only(
    post: Post, make_report: Callable[..., Report]
) -> None:
    _hide_by_reports(post, make_report)
    post.refresh_from_db()
    assert (post.status, post.auto_hides) == (PostStatus.HIDDEN_FOR_REVIEW, 1)

    forum_actions.edit_post(editor=post.author, post=post, body="Go at your own pace.")
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    # The reports stay with the moderators, who still look.
    assert open_item(post).is_open

    make_report(post, trust=TrustLevel.NEW)
    post.refresh_from_db()
    assert (post.status, post.auto_hides) == (PostStatus.HIDDEN_FOR_REVIEW, 2)

    forum_actions.edit_post(editor=post.author, post=post, body="Sorry, I meant to be kind.")
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW


def test_a_moderator_lifts_a_second_hide(
    post: Post, moderator: Member, make_report: Callable[..., Report]
) -> None:
    _hide_by_reports(post, make_report)
    forum_actions.edit_post(editor=post.author, post=post, body="Go at your own pace.")
    make_report(post, trust=TrustLevel.NEW)
    item = open_item(post)

    actions.dismiss_reports(moderator=moderator, item=item, seen_version=item.version, reason="ok")

    post.refresh_from_db()
    assert (post.status, post.auto_hides) == (PostStatus.PUBLISHED, 2)
