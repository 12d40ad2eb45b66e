"""Every write a moderator makes, and the members' side of moderation (reports, appeals,
notices). One function per write, one transaction each.

Each moderator action checks the permission, writes exactly one moderation.LogEntry in
its own transaction (who, what, why; the target as ids and a short label, never a post's
words), tells the member concerned with a kind Notice, and schedules its live effects
with transaction.on_commit through forum.broadcast (never the channel layer directly).

Queue decisions take the item and the version the moderator saw: the item is claimed
only if that version is still current, so of two moderators acting at once exactly one
succeeds and the other hears AlreadyHandled.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from forum import actions as forum_actions
from forum import broadcast, content_warnings, fragments
from forum.content_warnings import ContentWarning
from forum.exceptions import ActionRefused
from forum.guidelines import Guideline, guideline_url
from forum.markup import render_markdown
from forum.models import (
    Category,
    Member,
    Notification,
    NotificationQuerySet,
    Post,
    PostRevision,
    PostStatus,
    Thread,
    ThreadStatus,
    TrustLevel,
)
from forum.ratelimits import refuse_if_suspended, wait_text
from moderation.models import (
    LogEntry,
    Notice,
    Report,
    ReportReason,
    RevealRequest,
    ReviewItem,
    WatchedWord,
)
from moderation.screening import phrase_pattern
from moderation.trust import report_weight

logger = logging.getLogger("ownpace.moderation")

MODERATE = "moderation.moderate"
MODERATORS_GROUP = "Moderators"

# Lower is more urgent; a reported item takes the most urgent of its reports.
REPORT_PRIORITY = {
    ReportReason.AT_RISK: 0,
    ReportReason.IDENTIFYING: 10,
    ReportReason.HARASSMENT: 20,
    ReportReason.MEDICAL: 30,
    ReportReason.OTHER: 60,
    ReportReason.SPAM: 70,
}
APPEAL_PRIORITY = 40

OTHER_NOTE_MIN_WORDS = 3
APPEAL_MIN_WORDS = 3
MAX_SUSPENSION_DAYS = 3650
MAX_SLOW_MODE_MINUTES = 24 * 60
TARGET_MAX_LENGTH = 200
DAY = datetime.timedelta(days=1)

HELD_KINDS = (
    ReviewItem.Kind.HELD_NEW_MEMBER,
    ReviewItem.Kind.HELD_WATCHED_WORD,
    ReviewItem.Kind.HELD_IDENTIFYING,
)


class AlreadyHandled(ActionRefused):
    """Another moderator decided the item first."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("This was already handled by another moderator."))


# --- Helpers ---------------------------------------------------------------------------


def _require_moderator(moderator: Member | None, *, allow_operator: bool = False) -> None:
    if moderator is None:
        if allow_operator:
            return
        raise PermissionDenied(_("Only moderators can do this."))
    if not moderator.is_moderator():
        raise PermissionDenied(_("Only moderators can do this."))


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Please give a reason: it is kept in the moderation log."))
    return reason


def _guideline_required(guideline: str) -> str:
    if guideline not in Guideline.values:
        raise ActionRefused(_("Please choose the guideline this relates to."))
    return guideline


def _label(text: str) -> str:
    if len(text) <= TARGET_MAX_LENGTH:
        return text
    return text[: TARGET_MAX_LENGTH - 1] + "…"


def post_label(post: Post) -> str:
    return _label(f"post {post.pk} in “{post.thread.title}”")


def thread_label(thread: Thread) -> str:
    return _label(f"thread {thread.pk} “{thread.title}”")


def member_label(member: Member) -> str:
    # The id only: the log is append-only, and a member who deletes their account leaves
    # no trace of their pseudonym (pages show the current name from the id).
    return _label(f"member {member.pk}")


def _log(
    *,
    moderator: Member | None,
    action: str,
    target: str,
    reason: str,
    guideline: str = "",
    member_id: int | None = None,
    thread_id: int | None = None,
    post_id: int | None = None,
) -> LogEntry:
    return LogEntry.objects.create(
        moderator=moderator,
        action=action,
        target=_label(target),
        reason=reason,
        guideline=guideline,
        member_id=member_id,
        thread_id=thread_id,
        post_id=post_id,
    )


def _log_post(
    moderator: Member | None, action: str, post: Post, reason: str, guideline: str = ""
) -> LogEntry:
    return _log(
        moderator=moderator,
        action=action,
        target=post_label(post),
        reason=reason,
        guideline=guideline,
        # An anonymous post's entry names no account: the log must not unmask it.
        member_id=None if post.is_anonymous else post.author_id,
        thread_id=post.thread_id,
        post_id=post.pk,
    )


def _log_thread(
    moderator: Member | None,
    action: str,
    thread: Thread,
    reason: str,
    guideline: str = "",
    target: str | None = None,
) -> LogEntry:
    return _log(
        moderator=moderator,
        action=action,
        target=target or thread_label(thread),
        reason=reason,
        guideline=guideline,
        member_id=None if thread.is_anonymous else thread.author_id,
        thread_id=thread.pk,
    )


def _send_notices_changed(member_id: int) -> None:
    try:
        unread = Notice.objects.filter(recipient_id=member_id, read_at__isnull=True).count()
    except Exception:
        logger.warning("counting notices of member %s failed", member_id, exc_info=True)
        return
    broadcast.notices_changed(member_id, unread)


def _notify(
    *,
    recipient_id: int,
    kind: str,
    reason: str,
    post: Post | None = None,
    guideline: str = "",
) -> Notice:
    notice = Notice.objects.create(
        recipient_id=recipient_id, kind=kind, post=post, reason=reason, guideline=guideline
    )
    transaction.on_commit(partial(_send_notices_changed, recipient_id))
    return notice


def _recount_notifications_on_commit(notifications: NotificationQuerySet) -> None:
    """Notifications about what was just removed leave their recipients' unread counts:
    open headers show the new count."""
    for member_id in set(notifications.unread().values_list("recipient_id", flat=True)):
        transaction.on_commit(partial(broadcast.notifications_changed, member_id))


def _post_changed_on_commit(post_id: int) -> None:
    transaction.on_commit(partial(fragments.forget_post, post_id))
    transaction.on_commit(partial(broadcast.post_changed, post_id))


def _lock_post(post: Post) -> Post:
    # Only the post's row: its thread is read, not locked (posting locks threads).
    return Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)


def _claim(
    *, item: ReviewItem, seen_version: int, moderator: Member | None, outcome: str
) -> ReviewItem:
    """Decide the item if it is still as the moderator saw it; otherwise AlreadyHandled."""
    now = timezone.now()
    claimed = ReviewItem.objects.filter(
        pk=item.pk, version=seen_version, status=ReviewItem.Status.OPEN
    ).update(
        status=ReviewItem.Status.RESOLVED,
        version=F("version") + 1,
        resolved_at=now,
        resolved_by=moderator,
        outcome=outcome,
    )
    if not claimed:
        raise AlreadyHandled()
    transaction.on_commit(broadcast.queue_changed)
    return ReviewItem.objects.get(pk=item.pk)


def _settle_post(
    *,
    post: Post,
    moderator: Member | None,
    outcome: str,
    upheld: bool,
    kinds: tuple[str, ...] | None = None,
) -> int:
    """Resolve the post's other open items (of `kinds`, or all) and decide its open
    reports. Returns how many items were resolved."""
    now = timezone.now()
    items = ReviewItem.objects.filter(post=post, status=ReviewItem.Status.OPEN)
    if kinds is not None:
        items = items.filter(kind__in=kinds)
    resolved = items.update(
        status=ReviewItem.Status.RESOLVED,
        version=F("version") + 1,
        resolved_at=now,
        resolved_by=moderator,
        outcome=outcome,
    )
    Report.objects.filter(post=post, status=Report.Status.OPEN).update(
        status=Report.Status.UPHELD if upheld else Report.Status.DISMISSED, decided_at=now
    )
    if resolved:
        transaction.on_commit(broadcast.queue_changed)
    return resolved


def _item_post(item: ReviewItem) -> Post:
    return _lock_post(Post(pk=item.post_id))


def _is_opening_post(post: Post) -> bool:
    return not Post.objects.filter(thread_id=post.thread_id, pk__lt=post.pk).exists()


def _clear_perm_cache(member: Member) -> None:
    for name in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        member.__dict__.pop(name, None)


# --- Appeals: a different pair of eyes ---------------------------------------------------


def appealed_decisions(post_ids: list[int]) -> dict[int, LogEntry]:
    """The decision each post's appeal asks about: its latest removal or rejection. One
    query for all the posts."""
    decisions: dict[int, LogEntry] = {}
    if not post_ids:
        return decisions
    for entry in LogEntry.objects.appealable_decisions().filter(post_id__in=post_ids):
        if entry.post_id is not None:
            decisions.setdefault(entry.post_id, entry)
    return decisions


def other_moderators_exist(moderator: Member) -> bool:
    """Whether anyone else could answer an appeal now."""
    return Member.objects.moderators().exclude(pk=moderator.pk).exists()


def _refuse_own_appeal(*, moderator: Member, item: ReviewItem) -> None:
    """An appeal is promised a different pair of eyes: the moderator who made the decision
    does not answer it while a colleague can. Checked before the item is claimed, so it
    stays open for that colleague."""
    if item.kind != ReviewItem.Kind.APPEAL:
        return
    decision = appealed_decisions([item.post_id]).get(item.post_id)
    if decision is None or decision.moderator_id != moderator.pk:
        return
    if other_moderators_exist(moderator):
        raise ActionRefused(
            _(
                "This appeal asks about your own decision, and the author was promised a "
                "different pair of eyes. It stays in the queue for another moderator."
            )
        )


# --- Roles and trust (also from the command line) --------------------------------------


def moderators_group() -> Group:
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = Permission.objects.filter(
        content_type__app_label="moderation", codename="moderate"
    ) | Permission.objects.filter(content_type__app_label="forum", codename="view_postrevision")
    group.permissions.add(*wanted)
    return group


def make_moderator(*, member: Member, by: Member | None, reason: str) -> None:
    """Add the member to the Moderators group (made if missing). `by` is None when an
    operator acts from the command line."""
    _require_moderator(by, allow_operator=True)
    reason = _reason_required(reason)
    with transaction.atomic():
        if member.has_perm(MODERATE):
            raise ActionRefused(_("%(name)s is already a moderator.") % {"name": member.pseudonym})
        member.groups.add(moderators_group())
        _clear_perm_cache(member)
        _log(
            moderator=by,
            action=LogEntry.Action.MAKE_MODERATOR,
            target=member_label(member),
            reason=reason,
            member_id=member.pk,
        )


def set_trust_level(
    *, moderator: Member | None, member: Member, level: str, locked: bool, reason: str
) -> None:
    """Set a member's trust level by hand; a locked level is left alone by the automatic
    promotion. `moderator` is None when an operator acts from the command line."""
    _require_moderator(moderator, allow_operator=True)
    reason = _reason_required(reason)
    if level not in TrustLevel.values:
        raise ActionRefused(
            _("Unknown trust level “%(level)s”: choose one of %(levels)s.")
            % {"level": level, "levels": ", ".join(TrustLevel.values)}
        )
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(trust_level=level, trust_locked=locked)
        member.trust_level = level
        member.trust_locked = locked
        state = _("locked") if locked else _("automatic")
        _log(
            moderator=moderator,
            action=LogEntry.Action.SET_TRUST_LEVEL,
            target=f"{member_label(member)}: {level} ({state})",
            reason=reason,
            member_id=member.pk,
        )


# --- Reports ---------------------------------------------------------------------------


def _refuse_report_rate(reporter: Member, now: datetime.datetime) -> None:
    window = Report.objects.filter(reporter=reporter, created_at__gt=now - DAY)
    counted = window.aggregate(total=Count("id"), oldest=Min("created_at"))
    if counted["total"] < settings.REPORTS_PER_DAY:
        return
    oldest = counted["oldest"] or now
    raise ActionRefused(
        _(
            "You have sent %(limit)d reports in the last day, which is as many as one "
            "member can send. Thank you for looking out for others. You can report again "
            "in %(wait)s."
        )
        % {
            "limit": settings.REPORTS_PER_DAY,
            "wait": wait_text((oldest + DAY - now).total_seconds()),
        }
    )


def report_post(*, reporter: Member, post: Post, reason: str, note: str = "") -> Report:
    """A member flags a post. Moderators see the reasons and counts, never who reported.

    Enough weighted open reports hide the post until a moderator looks at it.
    """
    note = " ".join(note.split())
    if reason not in ReportReason.values:
        raise ActionRefused(_("Please choose a reason for your report."))
    if reason == ReportReason.OTHER and len(note.split()) < OTHER_NOTE_MIN_WORDS:
        raise ActionRefused(_("Please say in a few words what worries you about this post."))
    with transaction.atomic():
        current = _lock_post(post)
        if current.author_id == reporter.pk:
            raise ActionRefused(
                _("This is your own post. You can edit or delete it instead of reporting it.")
            )
        reporter.suspended_until = (
            Member.objects.filter(pk=reporter.pk).values_list("suspended_until", flat=True).get()
        )
        refuse_if_suspended(reporter)
        if (
            current.status != PostStatus.PUBLISHED
            or current.is_deleted
            or current.thread.status != ThreadStatus.PUBLISHED
            or not Thread.objects.readable_by(reporter).filter(pk=current.thread_id).exists()
        ):
            raise ActionRefused(
                _("This post is not shown right now, so it cannot be reported. Thank you.")
            )
        if Report.objects.filter(
            post=current, reporter=reporter, status=Report.Status.OPEN
        ).exists():
            raise ActionRefused(
                _("You have already reported this post. Moderators will look at it soon.")
            )
        now = timezone.now()
        moderator = reporter.is_moderator()
        if not moderator:
            _refuse_report_rate(reporter, now)
        priority = REPORT_PRIORITY[ReportReason(reason)]
        item = ReviewItem.objects.filter(
            post=current, kind=ReviewItem.Kind.REPORTED, status=ReviewItem.Status.OPEN
        ).first()
        if item is None:
            item = ReviewItem.objects.create(
                kind=ReviewItem.Kind.REPORTED, post=current, priority=priority, created_at=now
            )
        elif priority < item.priority:
            ReviewItem.objects.filter(pk=item.pk).update(priority=priority)
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    post=current,
                    reporter=reporter,
                    reason=reason,
                    note=note,
                    weight=report_weight(reporter),
                    item=item,
                    created_at=now,
                )
        except IntegrityError as error:
            raise ActionRefused(
                _("You have already reported this post. Moderators will look at it soon.")
            ) from error
        score = (
            Report.objects.filter(post=current, status=Report.Status.OPEN).aggregate(
                score=Sum("weight")
            )["score"]
            or 0
        )
        if score >= settings.REPORT_HIDE_THRESHOLD:
            hidden = Post.objects.filter(pk=current.pk, status=PostStatus.PUBLISHED).update(
                status=PostStatus.HIDDEN_FOR_REVIEW, auto_hides=F("auto_hides") + 1
            )
            if hidden:
                _post_changed_on_commit(current.pk)
        transaction.on_commit(broadcast.queue_changed)
    return report


# --- Queue decisions -------------------------------------------------------------------


def approve_post(
    *, moderator: Member, item: ReviewItem, seen_version: int, reason: str = ""
) -> Post:
    """Let the post stand: a held (or rejected, on appeal) post is published, a hidden or
    removed one is shown again. The post's other open items are resolved and its open
    reports dismissed."""
    _require_moderator(moderator)
    with transaction.atomic():
        current = _item_post(item)
        _refuse_own_appeal(moderator=moderator, item=item)
        claimed = _claim(
            item=item, seen_version=seen_version, moderator=moderator, outcome="approved"
        )
        before = current.status
        if current.status in (PostStatus.HELD, PostStatus.REJECTED):
            current = forum_actions.publish_held_post(post=current)
        elif current.status in (PostStatus.HIDDEN_FOR_REVIEW, PostStatus.REMOVED):
            current.status = PostStatus.PUBLISHED
            current.removal_guideline = ""
            current.save(update_fields=["status", "removal_guideline"])
            _post_changed_on_commit(current.pk)
        _settle_post(post=current, moderator=moderator, outcome="approved", upheld=False)
        _log_post(moderator, LogEntry.Action.APPROVE_POST, current, reason.strip())
        if claimed.kind == ReviewItem.Kind.APPEAL:
            _notify(
                recipient_id=current.author_id,
                kind=Notice.Kind.APPEAL_DECIDED,
                post=current,
                reason=reason.strip()
                or _("A moderator looked again and your post is back in its thread."),
            )
        elif before in (PostStatus.HIDDEN_FOR_REVIEW, PostStatus.REMOVED):
            _notify(
                recipient_id=current.author_id,
                kind=Notice.Kind.POST_RESTORED,
                post=current,
                reason=reason.strip() or _("A moderator looked at your post and it is back."),
            )
    return current


def reject_post(
    *, moderator: Member, item: ReviewItem, seen_version: int, reason: str, guideline: str
) -> Post:
    """Do not publish a held post. Its author is told why, kindly, and may ask for a
    review. A rejected opening post takes its (unpublished) thread with it."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    with transaction.atomic():
        current = _item_post(item)
        # Claimed first: a moderator who lost the race hears that, not a state error.
        _claim(item=item, seen_version=seen_version, moderator=moderator, outcome="rejected")
        if current.status != PostStatus.HELD:
            raise ActionRefused(
                _("Only a post waiting for approval can be rejected; remove it instead.")
            )
        current.status = PostStatus.REJECTED
        current.removal_guideline = guideline
        current.save(update_fields=["status", "removal_guideline"])
        if current.thread.status == ThreadStatus.HELD and _is_opening_post(current):
            Thread.objects.filter(pk=current.thread_id).update(status=ThreadStatus.REJECTED)
        _settle_post(post=current, moderator=moderator, outcome="rejected", upheld=True)
        _log_post(moderator, LogEntry.Action.REJECT_POST, current, reason, guideline)
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.POST_REJECTED,
            post=current,
            reason=reason,
            guideline=guideline,
        )
        transaction.on_commit(partial(fragments.forget_post, current.pk))
    return current


def dismiss_reports(*, moderator: Member, item: ReviewItem, seen_version: int, reason: str) -> None:
    """The reports need no action: they are dismissed, and a post they hid is shown again."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = _item_post(item)
        if item.kind != ReviewItem.Kind.REPORTED:
            raise ActionRefused(_("Only reports can be dismissed."))
        _claim(item=item, seen_version=seen_version, moderator=moderator, outcome="dismissed")
        _settle_post(
            post=current,
            moderator=moderator,
            outcome="dismissed",
            upheld=False,
            kinds=(ReviewItem.Kind.REPORTED,),
        )
        if current.status == PostStatus.HIDDEN_FOR_REVIEW:
            current.status = PostStatus.PUBLISHED
            current.save(update_fields=["status"])
            _post_changed_on_commit(current.pk)
            _notify(
                recipient_id=current.author_id,
                kind=Notice.Kind.POST_RESTORED,
                post=current,
                reason=_("Moderators looked at your post and it is shown again."),
            )
        _log_post(moderator, LogEntry.Action.DISMISS_REPORTS, current, reason)


def hide_post(
    *,
    moderator: Member,
    post: Post,
    reason: str,
    guideline: str,
    item: ReviewItem | None = None,
    seen_version: int | None = None,
) -> Post:
    """Remove a post: a tombstone naming the guideline keeps its place. The author is
    told kindly and may ask for a review; the post's open reports are upheld."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    with transaction.atomic():
        current = _lock_post(post)
        if item is not None:
            if item.post_id != current.pk or seen_version is None:
                raise ActionRefused(_("That review item is not about this post."))
            _claim(item=item, seen_version=seen_version, moderator=moderator, outcome="removed")
        if current.is_deleted:
            raise ActionRefused(_("Its author already deleted this post."))
        if current.status == PostStatus.REMOVED:
            raise ActionRefused(_("This post was already removed."))
        if current.status in (PostStatus.HELD, PostStatus.REJECTED):
            raise ActionRefused(_("This post is not published; reject it instead."))
        current.status = PostStatus.REMOVED
        current.removal_guideline = guideline
        current.save(update_fields=["status", "removal_guideline"])
        _settle_post(post=current, moderator=moderator, outcome="removed", upheld=True)
        _recount_notifications_on_commit(Notification.objects.filter(post=current))
        _log_post(moderator, LogEntry.Action.HIDE_POST, current, reason, guideline)
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.POST_HIDDEN,
            post=current,
            reason=reason,
            guideline=guideline,
        )
        _post_changed_on_commit(current.pk)
    return current


def restore_post(
    *,
    moderator: Member,
    post: Post,
    reason: str,
    item: ReviewItem | None = None,
    seen_version: int | None = None,
) -> Post:
    """Show a hidden or removed post again; its open reports are dismissed."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = _lock_post(post)
        claimed = None
        if item is not None:
            if item.post_id != current.pk or seen_version is None:
                raise ActionRefused(_("That review item is not about this post."))
            _refuse_own_appeal(moderator=moderator, item=item)
            claimed = _claim(
                item=item, seen_version=seen_version, moderator=moderator, outcome="restored"
            )
        if current.status not in (PostStatus.HIDDEN_FOR_REVIEW, PostStatus.REMOVED):
            raise ActionRefused(_("This post is not hidden, so there is nothing to restore."))
        current.status = PostStatus.PUBLISHED
        current.removal_guideline = ""
        current.save(update_fields=["status", "removal_guideline"])
        _settle_post(post=current, moderator=moderator, outcome="restored", upheld=False)
        _log_post(moderator, LogEntry.Action.RESTORE_POST, current, reason)
        appealed = claimed is not None and claimed.kind == ReviewItem.Kind.APPEAL
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.APPEAL_DECIDED if appealed else Notice.Kind.POST_RESTORED,
            post=current,
            reason=reason,
        )
        _post_changed_on_commit(current.pk)
    return current


def deny_appeal(*, moderator: Member, item: ReviewItem, seen_version: int, reason: str) -> None:
    """Keep the decision an appeal asked about; the member is told why."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = _item_post(item)
        if item.kind != ReviewItem.Kind.APPEAL:
            raise ActionRefused(_("Only an appeal can be answered this way."))
        _refuse_own_appeal(moderator=moderator, item=item)
        _claim(item=item, seen_version=seen_version, moderator=moderator, outcome="kept")
        _log_post(moderator, LogEntry.Action.DENY_APPEAL, current, reason)
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.APPEAL_DECIDED,
            post=current,
            reason=reason,
            guideline=current.removal_guideline,
        )


# --- Posts and threads -----------------------------------------------------------------


def edit_post(*, moderator: Member, post: Post, body: str, reason: str) -> Post:
    """Change a post's words (a reason is required); the earlier version is kept for its
    author and moderators, and the author is told."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    if not body.strip():
        raise ActionRefused(_("A post cannot be empty; remove it instead."))
    with transaction.atomic():
        current = _lock_post(post)
        if current.is_deleted:
            raise ActionRefused(_("Its author already deleted this post."))
        if current.body == body:
            raise ActionRefused(_("The text is unchanged."))
        PostRevision.objects.create(
            post=current,
            body=current.body,
            html=current.html,
            written_at=current.edited_at or current.created_at,
        )
        current.body = body
        current.html = render_markdown(body)
        current.edited_at = timezone.now()
        current.save(update_fields=["body", "html", "edited_at"])
        _log_post(moderator, LogEntry.Action.EDIT_POST, current, reason)
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.POST_EDITED,
            post=current,
            reason=reason,
        )
        if current.status in (PostStatus.HELD, PostStatus.REJECTED):
            transaction.on_commit(partial(fragments.forget_post, current.pk))
        else:
            _post_changed_on_commit(current.pk)
    return current


def add_content_warning(*, moderator: Member, post: Post, warning: str, reason: str) -> Post:
    """Put a content warning on a post (a reason is required, for the log). The post stays
    as its author wrote it; readers see the warning first, as each of them chose. The
    author is told kindly: it is not a punishment."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    if warning not in ContentWarning.values:
        raise ActionRefused(_("Please choose a warning from the list."))
    with transaction.atomic():
        current = _lock_post(post)
        if current.is_deleted:
            raise ActionRefused(_("Its author already deleted this post."))
        if warning in (current.content_warnings or []):
            raise ActionRefused(_("The post already carries this warning."))
        current.content_warnings = content_warnings.normalise(
            [*(current.content_warnings or []), warning]
        )
        current.moderator_warnings = content_warnings.normalise(
            [*current.moderator_warnings, warning]
        )
        current.save(update_fields=["content_warnings", "moderator_warnings"])
        label = str(ContentWarning(warning).label)
        _log_post(
            moderator,
            LogEntry.Action.ADD_CONTENT_WARNING,
            current,
            f"{label}: {reason}",
        )
        kindly = _(
            "A moderator added the content warning “%(warning)s” to your post, so that "
            "readers can choose when they are ready to read it. This is not a punishment "
            "and nothing else changes: your post stays up, in your words, and the warning "
            "stays when you edit it. Thank you for sharing it."
        ) % {"warning": label}
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.CONTENT_WARNING_ADDED,
            post=current,
            reason=f"{kindly}\n\n{reason}",
        )
        if current.status in (PostStatus.HELD, PostStatus.REJECTED):
            transaction.on_commit(partial(fragments.forget_post, current.pk))
        else:
            _post_changed_on_commit(current.pk)
    return current


def _lock_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update().get(pk=thread.pk)


def delete_thread(*, moderator: Member, thread: Thread, reason: str, guideline: str) -> Thread:
    """Remove a whole thread: its page says so, naming the guideline, and open pages
    hear why before their sockets close. Open queue items about its posts are resolved."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    with transaction.atomic():
        current = _lock_thread(thread)
        if current.status == ThreadStatus.REMOVED:
            raise ActionRefused(_("This thread was already removed."))
        current.status = ThreadStatus.REMOVED
        current.removal_guideline = guideline
        current.save(update_fields=["status", "removal_guideline"])
        now = timezone.now()
        resolved = ReviewItem.objects.filter(
            post__thread=current, status=ReviewItem.Status.OPEN
        ).update(
            status=ReviewItem.Status.RESOLVED,
            version=F("version") + 1,
            resolved_at=now,
            resolved_by=moderator,
            outcome="thread_removed",
        )
        Report.objects.filter(post__thread=current, status=Report.Status.OPEN).update(
            status=Report.Status.UPHELD, decided_at=now
        )
        if resolved:
            transaction.on_commit(broadcast.queue_changed)
        _log_thread(moderator, LogEntry.Action.DELETE_THREAD, current, reason, guideline)
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.THREAD_REMOVED,
            reason=reason,
            guideline=guideline,
        )
        # A journey's entries notified its followers: those notifications go with it too.
        _recount_notifications_on_commit(
            Notification.objects.filter(Q(post__thread=current) | Q(entry__journey=current.pk))
        )
        transaction.on_commit(
            partial(
                broadcast.thread_changed,
                current.pk,
                "thread_removed",
                guideline_title=str(Guideline(guideline).label),
                guideline_url=guideline_url(guideline),
            )
        )
        transaction.on_commit(partial(broadcast.close_thread_sockets, current.pk))
    return current


def _set_thread_flag(
    *,
    moderator: Member,
    thread: Thread,
    reason: str,
    field: str,
    value: bool,
    action: str,
    already: str,
    event: str | None,
) -> Thread:
    _require_moderator(moderator)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = _lock_thread(thread)
        if getattr(current, field) == value:
            raise ActionRefused(already)
        setattr(current, field, value)
        current.save(update_fields=[field])
        _log_thread(moderator, action, current, reason)
        if event is not None:
            transaction.on_commit(partial(broadcast.thread_changed, current.pk, event))
    return current


def lock_thread(*, moderator: Member, thread: Thread, reason: str) -> Thread:
    return _set_thread_flag(
        moderator=moderator,
        thread=thread,
        reason=reason,
        field="is_locked",
        value=True,
        action=LogEntry.Action.LOCK_THREAD,
        already=_("This thread is already locked."),
        event="thread_locked",
    )


def unlock_thread(*, moderator: Member, thread: Thread, reason: str) -> Thread:
    return _set_thread_flag(
        moderator=moderator,
        thread=thread,
        reason=reason,
        field="is_locked",
        value=False,
        action=LogEntry.Action.UNLOCK_THREAD,
        already=_("This thread is not locked."),
        event="thread_unlocked",
    )


def pin_thread(*, moderator: Member, thread: Thread, reason: str) -> Thread:
    return _set_thread_flag(
        moderator=moderator,
        thread=thread,
        reason=reason,
        field="is_pinned",
        value=True,
        action=LogEntry.Action.PIN_THREAD,
        already=_("This thread is already pinned."),
        event=None,
    )


def unpin_thread(*, moderator: Member, thread: Thread, reason: str) -> Thread:
    return _set_thread_flag(
        moderator=moderator,
        thread=thread,
        reason=reason,
        field="is_pinned",
        value=False,
        action=LogEntry.Action.UNPIN_THREAD,
        already=_("This thread is not pinned."),
        event=None,
    )


def move_thread(*, moderator: Member, thread: Thread, category: Category, reason: str) -> Thread:
    """Move a thread to another category; its open pages show the new place."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = _lock_thread(thread)
        if current.category_id == category.pk:
            raise ActionRefused(_("This thread is already in that category."))
        current.category = category
        current.save(update_fields=["category"])
        _log_thread(
            moderator,
            LogEntry.Action.MOVE_THREAD,
            current,
            reason,
            target=f"{thread_label(current)} to “{category.name}”",
        )
        transaction.on_commit(
            partial(
                broadcast.thread_changed,
                current.pk,
                "thread_moved",
                category_name=category.name,
                category_url=category.get_absolute_url(),
            )
        )
    return current


def set_slow_mode(*, moderator: Member, thread: Thread, minutes: int, reason: str) -> Thread:
    """Let each member post in the thread once per `minutes` (0 turns slow mode off)."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    if not 0 <= minutes <= MAX_SLOW_MODE_MINUTES:
        raise ActionRefused(
            _("Slow mode can be between 0 (off) and %(max)d minutes.")
            % {"max": MAX_SLOW_MODE_MINUTES}
        )
    with transaction.atomic():
        current = _lock_thread(thread)
        current.slow_mode_minutes = minutes
        current.save(update_fields=["slow_mode_minutes"])
        setting = f"{minutes} min" if minutes else "off"
        _log_thread(
            moderator,
            LogEntry.Action.SET_SLOW_MODE,
            current,
            reason,
            target=f"{thread_label(current)}: slow mode {setting}",
        )
    return current


# --- Members ---------------------------------------------------------------------------


def warn_member(*, moderator: Member, member: Member, reason: str, guideline: str) -> Notice:
    """A private note from the moderators to one member."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    with transaction.atomic():
        _log(
            moderator=moderator,
            action=LogEntry.Action.WARN_MEMBER,
            target=member_label(member),
            reason=reason,
            guideline=guideline,
            member_id=member.pk,
        )
        return _notify(
            recipient_id=member.pk, kind=Notice.Kind.WARNING, reason=reason, guideline=guideline
        )


def suspend_member(
    *, moderator: Member, member: Member, days: int, reason: str, guideline: str
) -> Member:
    """Pause a member's posting for `days`: they can still read. Their open sockets close
    (a socket keeps the identity it connected with)."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ActionRefused(
            _("A suspension lasts between 1 and %(max)d days.") % {"max": MAX_SUSPENSION_DAYS}
        )
    if member.pk == moderator.pk:
        raise ActionRefused(_("You cannot suspend yourself."))
    with transaction.atomic():
        until = timezone.now() + datetime.timedelta(days=days)
        Member.objects.filter(pk=member.pk).update(suspended_until=until)
        member.suspended_until = until
        when = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        _log(
            moderator=moderator,
            action=LogEntry.Action.SUSPEND_MEMBER,
            target=f"{member_label(member)} until {until:%Y-%m-%d %H:%M} UTC",
            reason=reason,
            guideline=guideline,
            member_id=member.pk,
        )
        _notify(
            recipient_id=member.pk,
            kind=Notice.Kind.SUSPENDED,
            reason=_("%(reason)s\n\nYou can read everything, and post again after %(until)s.")
            % {"reason": reason, "until": when},
            guideline=guideline,
        )
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))
    return member


def lift_suspension(*, moderator: Member, member: Member, reason: str) -> Member:
    _require_moderator(moderator)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = Member.objects.select_for_update().get(pk=member.pk)
        if not current.is_suspended:
            raise ActionRefused(_("This member is not suspended."))
        Member.objects.filter(pk=member.pk).update(suspended_until=None)
        member.suspended_until = None
        _log(
            moderator=moderator,
            action=LogEntry.Action.LIFT_SUSPENSION,
            target=member_label(member),
            reason=reason,
            member_id=member.pk,
        )
        _notify(recipient_id=member.pk, kind=Notice.Kind.SUSPENSION_LIFTED, reason=reason)
        # Open pages reconnect as a member who may write again.
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))
    return member


# --- Watched words ---------------------------------------------------------------------


def normalise_phrase(phrase: str) -> str:
    return " ".join(phrase.split()).lower()


def add_watched_word(
    *, moderator: Member, phrase: str, action: str, replacement: str = "", reason: str = ""
) -> WatchedWord:
    _require_moderator(moderator)
    phrase = normalise_phrase(phrase)
    replacement = replacement.strip()
    if not phrase.rstrip("*").strip():
        raise ActionRefused(_("Please give the word or phrase to watch."))
    if "*" in phrase.rstrip("*"):
        raise ActionRefused(_("A “*” may only end a phrase (it matches any word ending)."))
    if action not in WatchedWord.Action.values:
        raise ActionRefused(_("Please choose what happens to a post with this word."))
    if action == WatchedWord.Action.REPLACE:
        if not replacement:
            raise ActionRefused(_("Please give the words that replace it."))
        if phrase_pattern(phrase).search(replacement):
            raise ActionRefused(_("The replacement cannot contain the watched phrase itself."))
    else:
        replacement = ""
    with transaction.atomic():
        if WatchedWord.objects.filter(phrase__iexact=phrase).exists():
            raise ActionRefused(_("“%(phrase)s” is already watched.") % {"phrase": phrase})
        word = WatchedWord.objects.create(phrase=phrase, action=action, replacement=replacement)
        _log(
            moderator=moderator,
            action=LogEntry.Action.ADD_WATCHED_WORD,
            target=f"watched word “{phrase}” ({action})",
            reason=reason.strip(),
        )
    return word


def remove_watched_word(*, moderator: Member, word: WatchedWord, reason: str = "") -> None:
    _require_moderator(moderator)
    with transaction.atomic():
        deleted, _counts = WatchedWord.objects.filter(pk=word.pk).delete()
        if not deleted:
            raise ActionRefused(_("That word is no longer watched."))
        _log(
            moderator=moderator,
            action=LogEntry.Action.REMOVE_WATCHED_WORD,
            target=f"watched word “{word.phrase}” ({word.action})",
            reason=reason.strip(),
        )


# --- Members' side of decisions --------------------------------------------------------


def appeal(*, member: Member, notice: Notice, text: str) -> ReviewItem:
    """Ask the moderators to look again at a hidden or rejected post (once per notice)."""
    text = text.strip()
    if len(text.split()) < APPEAL_MIN_WORDS:
        raise ActionRefused(
            _("Please tell the moderators in a few words why they should look again.")
        )
    with transaction.atomic():
        current = Notice.objects.select_for_update().get(pk=notice.pk)
        if current.recipient_id != member.pk:
            raise ActionRefused(_("That notice is not yours."))
        if current.appealed_at is not None:
            raise ActionRefused(_("You already asked for a review of this decision."))
        if not current.may_be_appealed or current.post_id is None:
            raise ActionRefused(_("This notice cannot be appealed."))
        post = _lock_post(Post(pk=current.post_id))
        if post.status not in (PostStatus.REMOVED, PostStatus.REJECTED):
            raise ActionRefused(_("This post is already back, so there is nothing to review."))
        now = timezone.now()
        current.appealed_at = now
        current.save(update_fields=["appealed_at"])
        notice.appealed_at = now
        try:
            with transaction.atomic():
                item = ReviewItem.objects.create(
                    kind=ReviewItem.Kind.APPEAL,
                    post=post,
                    priority=APPEAL_PRIORITY,
                    appeal_text=text,
                    created_at=now,
                )
        except IntegrityError as error:
            raise ActionRefused(
                _("A review of this post is already waiting for the moderators.")
            ) from error
        transaction.on_commit(broadcast.queue_changed)
    return item


def mark_notices_read(*, member: Member) -> int:
    """The member opened their notices page: everything on it is read."""
    with transaction.atomic():
        changed = Notice.objects.filter(recipient=member, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if changed:
            transaction.on_commit(partial(broadcast.notices_changed, member.pk, 0))
    return changed


# --- The author of an anonymous post: acted on, never shown ---------------------------


def _anonymous_post(post: Post) -> Post:
    current = Post.objects.select_related("thread", "author").get(pk=post.pk)
    if not current.is_anonymous:
        raise ActionRefused(_("This post is not anonymous: act on its author's page."))
    return current


def warn_author_of_post(*, moderator: Member, post: Post, reason: str, guideline: str) -> Notice:
    """A private note to whoever wrote an anonymous post, without learning who it is.
    Logged with the post as target and no account."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    with transaction.atomic():
        current = _anonymous_post(post)
        _log_post(moderator, LogEntry.Action.WARN_AUTHOR, current, reason, guideline)
        return _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.WARNING,
            post=current,
            reason=reason,
            guideline=guideline,
        )


def suspend_author_of_post(
    *, moderator: Member, post: Post, days: int, reason: str, guideline: str
) -> Post:
    """Suspend the account behind an anonymous post (every alias it has, since the
    suspension is the account's) without showing it. Logged with the post as target."""
    _require_moderator(moderator)
    reason = _reason_required(reason)
    guideline = _guideline_required(guideline)
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ActionRefused(
            _("A suspension lasts between 1 and %(max)d days.") % {"max": MAX_SUSPENSION_DAYS}
        )
    with transaction.atomic():
        current = _anonymous_post(post)
        if current.author_id == moderator.pk:
            raise ActionRefused(_("You cannot suspend yourself."))
        until = timezone.now() + datetime.timedelta(days=days)
        Member.objects.filter(pk=current.author_id).update(suspended_until=until)
        when = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        _log_post(moderator, LogEntry.Action.SUSPEND_AUTHOR, current, reason, guideline)
        _notify(
            recipient_id=current.author_id,
            kind=Notice.Kind.SUSPENDED,
            post=current,
            reason=_("%(reason)s\n\nYou can read everything, and post again after %(until)s.")
            % {"reason": reason, "until": when},
            guideline=guideline,
        )
        transaction.on_commit(partial(broadcast.close_member_sockets, current.author_id))
    return current


# --- Revealing an anonymous author: two admins, a reason, a trace -------------------------

REVEAL = "moderation.reveal_anonymous_author"


def _require_revealer(admin: Member) -> None:
    _require_moderator(admin)
    if not admin.has_perm(REVEAL):
        raise PermissionDenied(_("Only admins allowed to reveal anonymous authors can do this."))


def request_reveal(*, admin: Member, post: Post, reason: str) -> RevealRequest:
    """Ask to see who wrote an anonymous post. Nothing is shown until a second admin
    approves."""
    _require_revealer(admin)
    reason = _reason_required(reason)
    with transaction.atomic():
        current = _anonymous_post(post)
        request = RevealRequest.objects.create(post=current, requested_by=admin, reason=reason)
        _log_post(admin, LogEntry.Action.REQUEST_REVEAL, current, reason)
    return request


def approve_reveal(*, admin: Member, request: RevealRequest, reason: str = "") -> RevealRequest:
    """A second admin approves: the requester may now see the account. The member is
    told that moderators saw who wrote the post, and why."""
    _require_revealer(admin)
    with transaction.atomic():
        current = RevealRequest.objects.select_for_update().get(pk=request.pk)
        if current.requested_by_id == admin.pk:
            raise ActionRefused(_("A second admin must approve: you asked for this yourself."))
        if current.is_approved:
            raise ActionRefused(_("This request was already approved."))
        post = Post.objects.select_related("thread").get(pk=current.post_id)
        current.status = RevealRequest.Status.APPROVED
        current.approved_by = admin
        current.approved_at = timezone.now()
        current.save(update_fields=["status", "approved_by", "approved_at"])
        _log_post(admin, LogEntry.Action.APPROVE_REVEAL, post, reason.strip() or current.reason)
        _notify(
            recipient_id=post.author_id,
            kind=Notice.Kind.AUTHOR_REVEALED,
            post=post,
            reason=current.reason,
        )
    return current


def revealed_author(*, admin: Member, request: RevealRequest) -> Member:
    """The account behind the post, for the admin who asked, once approved."""
    _require_revealer(admin)
    if request.requested_by_id != admin.pk:
        raise PermissionDenied(_("Only the admin who asked sees the answer."))
    if not request.is_approved:
        raise ActionRefused(_("A second admin has not approved this request yet."))
    return Member.objects.get(posts__pk=request.post_id)
