"""Every moderator action: its effect, its one log row, the notice to the member and the
live effects it schedules after the commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from forum import actions as forum_actions
from forum.exceptions import ActionRefused
from forum.guidelines import Guideline
from forum.models import (
    Category,
    Member,
    Notification,
    Post,
    PostRevision,
    PostStatus,
    Thread,
    ThreadStatus,
    TrustLevel,
)
from moderation import actions
from moderation.actions import AlreadyHandled
from moderation.models import LogEntry, Notice, Report, ReviewItem, WatchedWord
from tests.moderation.conftest import open_item

Heard = list[tuple[str, tuple[object, ...]]]


def only_log(action: str) -> LogEntry:
    """The one log row there is, which must be of `action`."""
    rows = list(LogEntry.objects.all())
    assert [row.action for row in rows] == [action]
    return rows[0]


def log_after(action: str, before: int) -> LogEntry:
    """Exactly one row was written since `before` rows existed, and it is `action`."""
    assert LogEntry.objects.count() == before + 1
    row = LogEntry.objects.order_by("-id").first()
    assert row is not None
    assert row.action == action
    return row


def names(heard: Heard) -> list[str]:
    return [name for name, _args in heard]


def first_post(thread: Thread) -> Post:
    post = thread.posts.order_by("id").first()
    assert post is not None
    return post


# --- Roles -----------------------------------------------------------------------------


def test_make_moderator_grants_moderation_and_history_and_logs(
    make_member: Callable[..., Member], moderator: Member
) -> None:
    member = make_member("SteadyFern")
    before = LogEntry.objects.count()

    actions.make_moderator(member=member, by=moderator, reason="Helps in the evenings")

    fresh = Member.objects.get(pk=member.pk)
    assert fresh.has_perm("moderation.moderate")
    assert fresh.has_perm("forum.view_postrevision")
    row = log_after(LogEntry.Action.MAKE_MODERATOR, before)
    assert row.moderator == moderator
    assert row.member_id == member.pk
    assert row.reason == "Helps in the evenings"


def test_make_moderator_refuses_a_member_without_the_permission(
    make_member: Callable[..., Member],
) -> None:
    member, other = make_member(), make_member()
    with pytest.raises(PermissionDenied):
        actions.make_moderator(member=other, by=member, reason="why not")
    assert not LogEntry.objects.exists()


def test_make_moderator_refuses_one_who_already_is(moderator: Member) -> None:
    with pytest.raises(ActionRefused, match="already a moderator"):
        actions.make_moderator(member=moderator, by=None, reason="again")


def test_set_trust_level_sets_locks_and_logs(
    make_member: Callable[..., Member], moderator: Member
) -> None:
    member = make_member(trust=TrustLevel.NEW)
    before = LogEntry.objects.count()

    actions.set_trust_level(
        moderator=moderator, member=member, level=TrustLevel.TRUSTED, locked=True, reason="Known"
    )

    member.refresh_from_db()
    assert (member.trust_level, member.trust_locked) == (TrustLevel.TRUSTED, True)
    row = log_after(LogEntry.Action.SET_TRUST_LEVEL, before)
    assert "trusted" in row.target
    assert row.member_id == member.pk


def test_set_trust_level_refuses_an_unknown_level(
    make_member: Callable[..., Member], moderator: Member
) -> None:
    with pytest.raises(ActionRefused, match="Unknown trust level"):
        actions.set_trust_level(
            moderator=moderator, member=make_member(), level="royal", locked=True, reason="x"
        )


MODERATOR_ONLY: dict[str, Callable[..., object]] = {
    "hide_post": lambda m, post, thread, member: actions.hide_post(
        moderator=m, post=post, reason="r", guideline=Guideline.BE_KIND
    ),
    "restore_post": lambda m, post, thread, member: actions.restore_post(
        moderator=m, post=post, reason="r"
    ),
    "edit_post": lambda m, post, thread, member: actions.edit_post(
        moderator=m, post=post, body="new words", reason="r"
    ),
    "lock_thread": lambda m, post, thread, member: actions.lock_thread(
        moderator=m, thread=thread, reason="r"
    ),
    "delete_thread": lambda m, post, thread, member: actions.delete_thread(
        moderator=m, thread=thread, reason="r", guideline=Guideline.BE_KIND
    ),
    "warn_member": lambda m, post, thread, member: actions.warn_member(
        moderator=m, member=member, reason="r", guideline=Guideline.BE_KIND
    ),
    "suspend_member": lambda m, post, thread, member: actions.suspend_member(
        moderator=m, member=member, days=3, reason="r", guideline=Guideline.BE_KIND
    ),
    "add_watched_word": lambda m, post, thread, member: actions.add_watched_word(
        moderator=m, phrase="spam", action=WatchedWord.Action.BLOCK
    ),
}


@pytest.mark.parametrize("name", sorted(MODERATOR_ONLY))
@pytest.mark.parametrize("who", ["member", "nobody"])
def test_moderator_actions_refuse_anyone_without_the_permission(
    name: str, who: str, make_member: Callable[..., Member], thread: Thread
) -> None:
    member = make_member()
    actor = make_member() if who == "member" else None
    post = first_post(thread)

    with pytest.raises(PermissionDenied):
        MODERATOR_ONLY[name](actor, post, thread, member)

    assert not LogEntry.objects.exists()
    assert not WatchedWord.objects.exists()
    post.refresh_from_db()
    thread.refresh_from_db()
    member.refresh_from_db()
    assert (post.status, post.edited_at) == (PostStatus.PUBLISHED, None)
    assert (thread.status, thread.is_locked) == (ThreadStatus.PUBLISHED, False)
    assert member.suspended_until is None


def test_set_trust_level_refuses_a_member_but_not_the_command_line(
    make_member: Callable[..., Member],
) -> None:
    member = make_member()
    with pytest.raises(PermissionDenied):
        actions.set_trust_level(
            moderator=make_member(), member=member, level="trusted", locked=True, reason="r"
        )
    actions.set_trust_level(moderator=None, member=member, level="trusted", locked=True, reason="r")
    assert only_log(LogEntry.Action.SET_TRUST_LEVEL).moderator is None


# --- Held posts ------------------------------------------------------------------------


def test_approve_post_publishes_a_held_reply_and_logs(
    moderator: Member,
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
    thread: Thread,
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post, item = make_held_reply()
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.approve_post(moderator=moderator, item=item, seen_version=item.version)

    post.refresh_from_db()
    item.refresh_from_db()
    thread.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.approved_at is not None
    assert thread.reply_count == 1
    assert (item.status, item.outcome, item.resolved_by) == ("resolved", "approved", moderator)
    assert item.version == 2
    row = log_after(LogEntry.Action.APPROVE_POST, before)
    assert row.post_id == post.pk
    assert row.thread_id == thread.pk
    assert row.target == f"post {post.pk} in “Starting with dilators”"
    assert "Hello" not in row.target
    # The thread's starter hears of the reply, open pages receive it, the queue shrinks.
    assert Notification.objects.filter(post=post, recipient=thread.author).exists()
    assert ("reply_posted", (post.pk,)) in broadcasts
    assert "queue_changed" in names(broadcasts)


def test_approve_post_publishes_a_held_thread(
    moderator: Member, make_member: Callable[..., Member], category: Category
) -> None:
    author = make_member(trust=TrustLevel.NEW)
    thread = forum_actions.start_thread(
        author=author, category=category, title="My first question", body="Is this normal?"
    )
    assert thread.status == ThreadStatus.HELD
    item = open_item(first_post(thread))

    actions.approve_post(moderator=moderator, item=item, seen_version=item.version)

    thread.refresh_from_db()
    assert thread.status == ThreadStatus.PUBLISHED
    only_log_rows = LogEntry.objects.exclude(action=LogEntry.Action.MAKE_MODERATOR)
    assert [row.action for row in only_log_rows] == [LogEntry.Action.APPROVE_POST]


def test_reject_post_rejects_tells_the_author_kindly_and_logs(
    moderator: Member,
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post, item = make_held_reply()
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.reject_post(
            moderator=moderator,
            item=item,
            seen_version=item.version,
            reason="It shares a clinic's private number.",
            guideline=Guideline.PRIVACY,
        )

    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED
    row = log_after(LogEntry.Action.REJECT_POST, before)
    assert row.guideline == Guideline.PRIVACY
    notice = Notice.objects.get(recipient=post.author)
    assert notice.kind == Notice.Kind.POST_REJECTED
    assert notice.reason == "It shares a clinic's private number."
    assert notice.guideline == Guideline.PRIVACY
    assert notice.may_be_appealed
    assert ("notices_changed", (post.author_id, 1)) in broadcasts
    # A rejected post never had a place in the thread: nothing is sent to its readers.
    assert "post_changed" not in names(broadcasts)


def test_reject_post_rejects_a_held_thread(
    moderator: Member, make_member: Callable[..., Member], category: Category
) -> None:
    thread = forum_actions.start_thread(
        author=make_member(trust=TrustLevel.NEW),
        category=category,
        title="Buy now",
        body="Cheap pills",
    )
    item = open_item(first_post(thread))
    actions.reject_post(
        moderator=moderator,
        item=item,
        seen_version=item.version,
        reason="Advertising",
        guideline=Guideline.NO_SPAM,
    )
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.REJECTED


def test_reject_post_needs_a_reason_and_a_guideline(
    moderator: Member, make_held_reply: Callable[..., tuple[Post, ReviewItem]]
) -> None:
    _post, item = make_held_reply()
    with pytest.raises(ActionRefused, match="reason"):
        actions.reject_post(
            moderator=moderator, item=item, seen_version=1, reason=" ", guideline="be-kind"
        )
    with pytest.raises(ActionRefused, match="guideline"):
        actions.reject_post(
            moderator=moderator, item=item, seen_version=1, reason="x", guideline=""
        )
    item.refresh_from_db()
    assert item.is_open


def test_a_stale_version_is_already_handled(
    make_moderator: Callable[..., Member], make_held_reply: Callable[..., tuple[Post, ReviewItem]]
) -> None:
    first, second = make_moderator(), make_moderator()
    post, item = make_held_reply()
    seen = item.version
    actions.approve_post(moderator=first, item=item, seen_version=seen)
    before = LogEntry.objects.count()

    with pytest.raises(AlreadyHandled, match="already handled by another moderator"):
        actions.reject_post(
            moderator=second, item=item, seen_version=seen, reason="no", guideline="be-kind"
        )

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert LogEntry.objects.count() == before
    assert not Notice.objects.exists()


# --- Reported posts --------------------------------------------------------------------


def test_hide_post_leaves_a_tombstone_upholds_reports_and_tells_the_author(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    make_report: Callable[..., Report],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post = make_reply(thread, body="You are doing it wrong")
    report = make_report(post)
    item = open_item(post)
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.hide_post(
            moderator=moderator,
            post=post,
            reason="Unkind to another member",
            guideline=Guideline.BE_KIND,
            item=item,
            seen_version=item.version,
        )

    post.refresh_from_db()
    report.refresh_from_db()
    item.refresh_from_db()
    assert (post.status, post.removal_guideline) == (PostStatus.REMOVED, Guideline.BE_KIND)
    assert report.status == Report.Status.UPHELD
    assert report.decided_at is not None
    assert (item.status, item.outcome) == ("resolved", "removed")
    row = log_after(LogEntry.Action.HIDE_POST, before)
    assert (row.reason, row.guideline, row.post_id) == (
        "Unkind to another member",
        Guideline.BE_KIND,
        post.pk,
    )
    notice = Notice.objects.get(recipient=post.author)
    assert notice.kind == Notice.Kind.POST_HIDDEN
    assert notice.may_be_appealed
    assert ("post_changed", (post.pk,)) in broadcasts
    assert "queue_changed" in names(broadcasts)
    # The starter's notification about the reply is gone: their header count drops now.
    assert ("notifications_changed", (thread.author_id,)) in broadcasts
    # The thread keeps the post's place.
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_hide_post_without_an_item_resolves_the_open_reports_too(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    make_report: Callable[..., Report],
) -> None:
    post = make_reply(thread)
    make_report(post)
    actions.hide_post(moderator=moderator, post=post, reason="seen it", guideline="be-kind")
    assert not ReviewItem.objects.filter(status="open").exists()
    assert set(Report.objects.values_list("status", flat=True)) == {"upheld"}


def test_hide_post_refuses_a_removed_post(
    moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    post = make_reply(thread)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    before = LogEntry.objects.count()
    with pytest.raises(ActionRefused, match="already removed"):
        actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    assert LogEntry.objects.count() == before


def test_restore_post_shows_it_again_dismisses_reports_and_logs(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    make_report: Callable[..., Report],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post = make_reply(thread)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.restore_post(moderator=moderator, post=post, reason="It was fine after all")

    post.refresh_from_db()
    assert (post.status, post.removal_guideline) == (PostStatus.PUBLISHED, "")
    log_after(LogEntry.Action.RESTORE_POST, before)
    assert Notice.objects.filter(recipient=post.author, kind=Notice.Kind.POST_RESTORED).exists()
    assert ("post_changed", (post.pk,)) in broadcasts


def test_dismiss_reports_lifts_an_auto_hide_and_logs(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    make_report: Callable[..., Report],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post = make_reply(thread)
    for _ in range(3):
        make_report(post, trust=TrustLevel.MEMBER)
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW
    item = open_item(post)
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.dismiss_reports(
            moderator=moderator, item=item, seen_version=item.version, reason="Not harmful"
        )

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert set(Report.objects.values_list("status", flat=True)) == {"dismissed"}
    assert all(report.decided_at for report in Report.objects.all())
    log_after(LogEntry.Action.DISMISS_REPORTS, before)
    assert ("post_changed", (post.pk,)) in broadcasts
    assert Notice.objects.filter(recipient=post.author, kind=Notice.Kind.POST_RESTORED).exists()


def test_dismiss_reports_refuses_a_held_item(
    moderator: Member, make_held_reply: Callable[..., tuple[Post, ReviewItem]]
) -> None:
    _post, item = make_held_reply()
    with pytest.raises(ActionRefused, match="Only reports"):
        actions.dismiss_reports(moderator=moderator, item=item, seen_version=1, reason="x")
    item.refresh_from_db()
    assert item.is_open


# --- Appeals ---------------------------------------------------------------------------


def test_appeal_puts_the_decision_back_in_the_queue_once(
    moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    post = make_reply(thread)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    notice = Notice.objects.get(recipient=post.author)

    item = actions.appeal(member=post.author, notice=notice, text="I was quoting my doctor there")

    assert (item.kind, item.priority, item.post_id) == (ReviewItem.Kind.APPEAL, 40, post.pk)
    assert item.appeal_text == "I was quoting my doctor there"
    notice.refresh_from_db()
    assert notice.appealed_at is not None
    assert not notice.may_be_appealed
    with pytest.raises(ActionRefused, match="already asked"):
        actions.appeal(member=post.author, notice=notice, text="Please, please look again")


def test_appeal_refuses_someone_else_s_notice_and_a_few_letters(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    make_member: Callable[..., Member],
) -> None:
    post = make_reply(thread)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    notice = Notice.objects.get(recipient=post.author)
    with pytest.raises(ActionRefused, match="not yours"):
        actions.appeal(member=make_member(), notice=notice, text="Let me appeal this one")
    with pytest.raises(ActionRefused, match="few words"):
        actions.appeal(member=post.author, notice=notice, text="why")
    assert not ReviewItem.objects.filter(kind=ReviewItem.Kind.APPEAL).exists()


def test_restoring_on_appeal_answers_the_appeal(
    moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    post = make_reply(thread)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    notice = Notice.objects.get(recipient=post.author)
    item = actions.appeal(member=post.author, notice=notice, text="It was a quote, not advice")
    before = LogEntry.objects.count()

    actions.restore_post(
        moderator=moderator, post=post, reason="You are right", item=item, seen_version=1
    )

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert (item.status, item.outcome) == ("resolved", "restored")
    log_after(LogEntry.Action.RESTORE_POST, before)
    assert Notice.objects.filter(kind=Notice.Kind.APPEAL_DECIDED, reason="You are right").exists()


def test_approving_an_appeal_publishes_a_rejected_post(
    moderator: Member, make_held_reply: Callable[..., tuple[Post, ReviewItem]], thread: Thread
) -> None:
    post, item = make_held_reply()
    actions.reject_post(
        moderator=moderator, item=item, seen_version=1, reason="r", guideline="no-spam"
    )
    notice = Notice.objects.get(recipient=post.author)
    appeal = actions.appeal(member=post.author, notice=notice, text="It is not an advert at all")

    actions.approve_post(moderator=moderator, item=appeal, seen_version=appeal.version)

    post.refresh_from_db()
    thread.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert thread.reply_count == 1
    assert Notice.objects.filter(kind=Notice.Kind.APPEAL_DECIDED).exists()


def test_deny_appeal_keeps_the_decision_tells_the_member_and_logs(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post = make_reply(thread)
    actions.hide_post(moderator=moderator, post=post, reason="r", guideline="be-kind")
    notice = Notice.objects.get(recipient=post.author)
    item = actions.appeal(member=post.author, notice=notice, text="Please have another look")
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.deny_appeal(
            moderator=moderator, item=item, seen_version=1, reason="It pressures someone"
        )

    post.refresh_from_db()
    item.refresh_from_db()
    assert post.status == PostStatus.REMOVED
    assert (item.status, item.outcome) == ("resolved", "kept")
    log_after(LogEntry.Action.DENY_APPEAL, before)
    answer = Notice.objects.get(kind=Notice.Kind.APPEAL_DECIDED)
    assert answer.reason == "It pressures someone"
    assert not answer.may_be_appealed
    assert "queue_changed" in names(broadcasts)


# --- Moderator edits -------------------------------------------------------------------


def test_edit_post_keeps_a_revision_tells_the_author_and_logs(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post = make_reply(thread, body="Ask for Dr Jane Whitlock at the Rose Clinic")
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.edit_post(
            moderator=moderator,
            post=post,
            body="Ask for a pelvic floor physio (name removed)",
            reason="Removed a clinician's name",
        )

    post.refresh_from_db()
    assert post.body == "Ask for a pelvic floor physio (name removed)"
    assert "name removed" in post.html
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert "Whitlock" in revision.body
    row = log_after(LogEntry.Action.EDIT_POST, before)
    assert "Whitlock" not in row.target + row.reason
    assert Notice.objects.filter(
        recipient=post.author, kind=Notice.Kind.POST_EDITED, reason="Removed a clinician's name"
    ).exists()
    assert ("post_changed", (post.pk,)) in broadcasts


def test_edit_post_needs_a_reason(
    moderator: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    post = make_reply(thread)
    with pytest.raises(ActionRefused, match="reason"):
        actions.edit_post(moderator=moderator, post=post, body="other words", reason="")
    assert not PostRevision.objects.exists()


# --- Threads ---------------------------------------------------------------------------


def test_delete_thread_removes_it_tells_open_pages_and_closes_them(
    moderator: Member,
    thread: Thread,
    make_reply: Callable[..., Post],
    make_report: Callable[..., Report],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    make_report(make_reply(thread))
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.delete_thread(
            moderator=moderator, thread=thread, reason="Harassment", guideline=Guideline.BE_KIND
        )

    thread.refresh_from_db()
    assert (thread.status, thread.removal_guideline) == (ThreadStatus.REMOVED, Guideline.BE_KIND)
    row = log_after(LogEntry.Action.DELETE_THREAD, before)
    assert row.thread_id == thread.pk
    assert row.target == f"thread {thread.pk} “Starting with dilators”"
    assert not ReviewItem.objects.filter(status="open").exists()
    assert Notice.objects.filter(recipient=thread.author, kind="thread_removed").exists()
    removed = names(broadcasts)
    assert removed.index("thread_changed") < removed.index("close_thread_sockets")
    assert (
        "thread_changed",
        (
            thread.pk,
            "thread_removed",
            ("guideline_title", "Be kind, always"),
            ("guideline_url", "/guidelines/#be-kind"),
        ),
    ) in broadcasts


@pytest.mark.parametrize(
    ("act", "undo", "field", "event", "undo_event"),
    [
        (
            actions.lock_thread,
            actions.unlock_thread,
            "is_locked",
            "thread_locked",
            "thread_unlocked",
        ),
        (actions.pin_thread, actions.unpin_thread, "is_pinned", None, None),
    ],
)
def test_lock_and_pin_set_and_clear_the_flag_each_logged(
    act: Callable[..., Thread],
    undo: Callable[..., Thread],
    field: str,
    event: str | None,
    undo_event: str | None,
    moderator: Member,
    thread: Thread,
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    before = LogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        act(moderator=moderator, thread=thread, reason="Heated")
    thread.refresh_from_db()
    assert getattr(thread, field) is True
    log_after(act.__name__, before)
    with pytest.raises(ActionRefused, match="already"):
        act(moderator=moderator, thread=thread, reason="Heated")

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        undo(moderator=moderator, thread=thread, reason="Calm again")
    thread.refresh_from_db()
    assert getattr(thread, field) is False
    log_after(undo.__name__, before + 1)
    heard = [args[1] for name, args in broadcasts if name == "thread_changed"]
    assert heard == [e for e in (event, undo_event) if e]


def test_locked_thread_takes_no_replies(
    moderator: Member, thread: Thread, make_member: Callable[..., Member]
) -> None:
    actions.lock_thread(moderator=moderator, thread=thread, reason="Heated")
    with pytest.raises(ActionRefused, match="locked"):
        forum_actions.post_reply(author=make_member(), thread=thread, body="One more thing")


def test_move_thread_moves_it_and_tells_open_pages(
    moderator: Member,
    thread: Thread,
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    elsewhere = Category.objects.exclude(pk=thread.category_id).first()
    assert elsewhere is not None
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.move_thread(
            moderator=moderator, thread=thread, category=elsewhere, reason="Fits better there"
        )

    thread.refresh_from_db()
    assert thread.category == elsewhere
    row = log_after(LogEntry.Action.MOVE_THREAD, before)
    assert elsewhere.name in row.target
    assert (
        "thread_changed",
        (
            thread.pk,
            "thread_moved",
            ("category_name", elsewhere.name),
            ("category_url", elsewhere.get_absolute_url()),
        ),
    ) in broadcasts
    with pytest.raises(ActionRefused, match="already in"):
        actions.move_thread(moderator=moderator, thread=thread, category=elsewhere, reason="x")


def test_set_slow_mode_records_the_minutes_and_who_set_it(
    moderator: Member, thread: Thread
) -> None:
    actions.set_slow_mode(moderator=moderator, thread=thread, minutes=10, reason="Heated")
    thread.refresh_from_db()
    assert thread.slow_mode_minutes == 10
    row = LogEntry.objects.get(action=LogEntry.Action.SET_SLOW_MODE)
    assert (row.moderator, row.reason) == (moderator, "Heated")
    assert "10 min" in row.target
    with pytest.raises(ActionRefused, match="between 0"):
        actions.set_slow_mode(moderator=moderator, thread=thread, minutes=-1, reason="x")


# --- Members ---------------------------------------------------------------------------


def test_warn_member_sends_a_private_notice_and_logs(
    moderator: Member,
    make_member: Callable[..., Member],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    member = make_member()
    before = LogEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        notice = actions.warn_member(
            moderator=moderator,
            member=member,
            reason="Please keep replies gentle.",
            guideline=Guideline.BE_KIND,
        )
    assert (notice.recipient, notice.kind) == (member, Notice.Kind.WARNING)
    row = log_after(LogEntry.Action.WARN_MEMBER, before)
    assert row.member_id == member.pk
    assert ("notices_changed", (member.pk, 1)) in broadcasts


def test_suspend_member_stops_posting_and_reporting_and_closes_sockets(
    moderator: Member,
    make_member: Callable[..., Member],
    thread: Thread,
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    member = make_member()
    before = LogEntry.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        actions.suspend_member(
            moderator=moderator,
            member=member,
            days=7,
            reason="Repeated pressure on others",
            guideline=Guideline.NO_PRESSURE,
        )

    member.refresh_from_db()
    assert member.is_suspended
    assert member.suspended_until is not None
    assert (
        timedelta(days=6, hours=23) < member.suspended_until - timezone.now() <= timedelta(days=7)
    )
    log_after(LogEntry.Action.SUSPEND_MEMBER, before)
    assert ("close_member_sockets", (member.pk,)) in broadcasts
    assert Notice.objects.filter(recipient=member, kind=Notice.Kind.SUSPENDED).exists()
    with pytest.raises(ActionRefused, match="suspended until"):
        forum_actions.post_reply(author=member, thread=thread, body="Can I still post?")
    with pytest.raises(ActionRefused, match="suspended until"):
        actions.report_post(reporter=member, post=first_post(thread), reason="spam")


def test_suspend_member_refuses_oneself_and_odd_lengths(
    moderator: Member, make_member: Callable[..., Member]
) -> None:
    with pytest.raises(ActionRefused, match="yourself"):
        actions.suspend_member(
            moderator=moderator, member=moderator, days=1, reason="r", guideline="be-kind"
        )
    with pytest.raises(ActionRefused, match="between 1"):
        actions.suspend_member(
            moderator=moderator, member=make_member(), days=0, reason="r", guideline="be-kind"
        )
    assert not LogEntry.objects.exclude(action=LogEntry.Action.MAKE_MODERATOR).exists()


def test_lift_suspension_lets_the_member_post_again(
    moderator: Member, make_member: Callable[..., Member], thread: Thread
) -> None:
    member = make_member()
    actions.suspend_member(
        moderator=moderator, member=member, days=7, reason="r", guideline="be-kind"
    )
    before = LogEntry.objects.count()

    actions.lift_suspension(moderator=moderator, member=member, reason="Talked it through")

    member.refresh_from_db()
    assert member.suspended_until is None
    log_after(LogEntry.Action.LIFT_SUSPENSION, before)
    assert Notice.objects.filter(recipient=member, kind=Notice.Kind.SUSPENSION_LIFTED).exists()
    forum_actions.post_reply(author=member, thread=thread, body="Thank you, I am back.")
    with pytest.raises(ActionRefused, match="not suspended"):
        actions.lift_suspension(moderator=moderator, member=member, reason="again")


# --- Watched words ---------------------------------------------------------------------


def test_add_and_remove_watched_word_each_log(moderator: Member) -> None:
    before = LogEntry.objects.count()
    word = actions.add_watched_word(
        moderator=moderator, phrase="  Cheap   Pills ", action=WatchedWord.Action.BLOCK
    )
    assert word.phrase == "cheap pills"
    log_after(LogEntry.Action.ADD_WATCHED_WORD, before)
    with pytest.raises(ActionRefused, match="already watched"):
        actions.add_watched_word(moderator=moderator, phrase="CHEAP pills", action="hold")

    actions.remove_watched_word(moderator=moderator, word=word, reason="No longer a problem")

    assert not WatchedWord.objects.exists()
    row = log_after(LogEntry.Action.REMOVE_WATCHED_WORD, before + 1)
    assert "cheap pills" in row.target


@pytest.mark.parametrize(
    ("phrase", "action", "replacement", "message"),
    [
        ("", "block", "", "word or phrase"),
        ("ch*eap", "block", "", "only end"),
        ("cheap", "shout", "", "choose what happens"),
        ("cheap", "replace", "", "replace it"),
        ("cheap", "replace", "so cheap", "cannot contain"),
    ],
)
def test_add_watched_word_refuses_what_cannot_work(
    moderator: Member, phrase: str, action: str, replacement: str, message: str
) -> None:
    with pytest.raises(ActionRefused, match=message):
        actions.add_watched_word(
            moderator=moderator, phrase=phrase, action=action, replacement=replacement
        )
    assert not WatchedWord.objects.exists()


# --- Notices ---------------------------------------------------------------------------


def test_mark_notices_read_reads_them_all_and_tells_open_pages(
    moderator: Member,
    make_member: Callable[..., Member],
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    member = make_member()
    for text in ("one", "two"):
        actions.warn_member(moderator=moderator, member=member, reason=text, guideline="be-kind")

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        assert actions.mark_notices_read(member=member) == 2
    assert not Notice.objects.filter(read_at__isnull=True).exists()
    assert ("notices_changed", (member.pk, 0)) in broadcasts
    assert actions.mark_notices_read(member=member) == 0
