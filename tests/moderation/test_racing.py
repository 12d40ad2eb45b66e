"""Two moderators acting on one review item at once: exactly one succeeds, the other hears
"already handled by another moderator".

Each decision runs in its own thread and database connection, all released at once. On
PostgreSQL the row lock and READ COMMITTED's re-check of the claim decide the race; on
SQLite the site's IMMEDIATE transactions (config/settings.py) queue the writers and the
version check turns the later one away. CI runs both. The version check is also tested
one decision after the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connections

from forum import actions as forum_actions
from forum.models import Member, Post, PostStatus, Thread, TrustLevel
from moderation import actions
from moderation.actions import AlreadyHandled
from moderation.models import LogEntry, Notice, Report, ReviewItem
from tests.moderation.conftest import open_item

ROUNDS = 8
DECISION_ACTIONS = (
    LogEntry.Action.APPROVE_POST,
    LogEntry.Action.REJECT_POST,
    LogEntry.Action.HIDE_POST,
    LogEntry.Action.DISMISS_REPORTS,
)


# Real transactions in several connections; the categories the migrations made are put
# back afterwards for the tests that follow.
concurrent_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@dataclass
class Outcome:
    succeeded: list[str] = field(default_factory=list)
    already_handled: list[str] = field(default_factory=list)
    failed: list[BaseException] = field(default_factory=list)


def race(decisions: dict[str, Callable[[], object]]) -> Outcome:
    """Run each decision in its own thread (its own database connection), all released
    at the same moment."""
    outcome = Outcome()
    start = threading.Barrier(len(decisions))
    lock = threading.Lock()

    def run(name: str, decide: Callable[[], object]) -> None:
        try:
            start.wait(timeout=10)
            decide()
            with lock:
                outcome.succeeded.append(name)
        except AlreadyHandled:
            with lock:
                outcome.already_handled.append(name)
        except BaseException as error:  # reported by the test, not lost in the thread
            with lock:
                outcome.failed.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(name, decide), name=name)
        for name, decide in decisions.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a decision never finished"
    assert not outcome.failed, outcome.failed
    return outcome


def decision_rows(post: Post) -> list[str]:
    return list(
        LogEntry.objects.filter(post_id=post.pk, action__in=DECISION_ACTIONS).values_list(
            "action", flat=True
        )
    )


@pytest.fixture
def moderators(make_moderator: Callable[..., Member]) -> tuple[Member, Member]:
    return make_moderator("FirstOwl"), make_moderator("SecondOwl")


@concurrent_db
def test_two_moderators_deciding_one_held_post_at_once_one_wins(
    moderators: tuple[Member, Member],
    make_member: Callable[..., Member],
    thread: Thread,
) -> None:
    first, second = moderators
    for _round in range(ROUNDS):
        post = forum_actions.post_reply(
            author=make_member(trust=TrustLevel.NEW), thread=thread, body="Hello, I am new."
        )
        item = open_item(post)
        seen = item.version

        outcome = race(
            {
                "approve": lambda item=item, seen=seen: actions.approve_post(
                    moderator=first, item=item, seen_version=seen
                ),
                "reject": lambda item=item, seen=seen: actions.reject_post(
                    moderator=second,
                    item=item,
                    seen_version=seen,
                    reason="Advertising",
                    guideline="no-spam",
                ),
            }
        )

        assert len(outcome.succeeded) == 1
        assert len(outcome.already_handled) == 1
        post.refresh_from_db()
        item.refresh_from_db()
        winner = outcome.succeeded[0]
        expected = PostStatus.PUBLISHED if winner == "approve" else PostStatus.REJECTED
        assert post.status == expected
        assert (item.status, item.version) == (ReviewItem.Status.RESOLVED, seen + 1)
        assert item.resolved_by == (first if winner == "approve" else second)
        assert len(decision_rows(post)) == 1
        rejected_notices = Notice.objects.filter(post=post, kind=Notice.Kind.POST_REJECTED)
        assert rejected_notices.count() == (1 if winner == "reject" else 0)


@concurrent_db
def test_two_moderators_deciding_one_report_at_once_one_wins(
    moderators: tuple[Member, Member],
    make_member: Callable[..., Member],
    thread: Thread,
) -> None:
    first, second = moderators
    for _round in range(ROUNDS):
        post = forum_actions.post_reply(author=make_member(), thread=thread, body="Just relax.")
        actions.report_post(reporter=make_member(), post=post, reason="medical")
        item = open_item(post)
        seen = item.version

        outcome = race(
            {
                "hide": lambda post=post, item=item, seen=seen: actions.hide_post(
                    moderator=first,
                    post=post,
                    reason="Unsafe advice",
                    guideline="not-medical-advice",
                    item=item,
                    seen_version=seen,
                ),
                "dismiss": lambda item=item, seen=seen: actions.dismiss_reports(
                    moderator=second, item=item, seen_version=seen, reason="Fine"
                ),
            }
        )

        assert len(outcome.succeeded) == 1
        assert len(outcome.already_handled) == 1
        post.refresh_from_db()
        report = Report.objects.get(post=post)
        if outcome.succeeded == ["hide"]:
            assert (post.status, report.status) == (PostStatus.REMOVED, Report.Status.UPHELD)
        else:
            assert (post.status, report.status) == (PostStatus.PUBLISHED, Report.Status.DISMISSED)
        assert len(decision_rows(post)) == 1


@concurrent_db
def test_the_same_decision_twice_at_once_is_made_once(
    moderators: tuple[Member, Member],
    make_member: Callable[..., Member],
    thread: Thread,
) -> None:
    first, second = moderators
    post = forum_actions.post_reply(
        author=make_member(trust=TrustLevel.NEW), thread=thread, body="Hello, I am new."
    )
    item = open_item(post)

    outcome = race(
        {
            name: lambda moderator=moderator: actions.approve_post(
                moderator=moderator, item=item, seen_version=item.version
            )
            for name, moderator in (("first", first), ("second", second))
        }
    )

    assert len(outcome.succeeded) == len(outcome.already_handled) == 1
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert decision_rows(post) == [LogEntry.Action.APPROVE_POST]


# --- The version check one decision after the other (every database) --------------------


def test_a_decision_on_a_version_already_decided_is_already_handled(
    moderators: tuple[Member, Member], make_held_reply: Callable[..., tuple[Post, ReviewItem]]
) -> None:
    first, second = moderators
    post, item = make_held_reply()
    seen = item.version
    actions.approve_post(moderator=first, item=item, seen_version=seen)
    rows = LogEntry.objects.count()

    with pytest.raises(AlreadyHandled, match=r"This was already handled by another moderator\."):
        actions.reject_post(
            moderator=second, item=item, seen_version=seen, reason="no", guideline="no-spam"
        )

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert LogEntry.objects.count() == rows
    assert not Notice.objects.exists()


def test_a_report_decided_meanwhile_is_already_handled(
    moderators: tuple[Member, Member],
    make_member: Callable[..., Member],
    thread: Thread,
    make_reply: Callable[..., Post],
) -> None:
    first, second = moderators
    post = make_reply(thread)
    actions.report_post(reporter=make_member(), post=post, reason="spam")
    item = open_item(post)
    actions.dismiss_reports(moderator=first, item=item, seen_version=item.version, reason="ok")

    with pytest.raises(AlreadyHandled):
        actions.hide_post(
            moderator=second,
            post=post,
            reason="spam",
            guideline="no-spam",
            item=item,
            seen_version=item.version,
        )
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_an_appeal_answered_meanwhile_is_already_handled(
    moderators: tuple[Member, Member],
    thread: Thread,
    make_reply: Callable[..., Post],
    make_moderator: Callable[..., Member],
) -> None:
    first, second = moderators
    post = make_reply(thread)
    # A third moderator decided: an appeal goes to a different pair of eyes.
    decider = make_moderator("FirstCall")
    actions.hide_post(moderator=decider, post=post, reason="r", guideline="be-kind")
    notice = Notice.objects.get(post=post)
    item = actions.appeal(member=post.author, notice=notice, text="Please look again at it")
    actions.deny_appeal(moderator=first, item=item, seen_version=item.version, reason="Kept")

    with pytest.raises(AlreadyHandled):
        actions.restore_post(
            moderator=second, post=post, reason="ok", item=item, seen_version=item.version
        )
    post.refresh_from_db()
    assert post.status == PostStatus.REMOVED
