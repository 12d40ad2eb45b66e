"""What moderation stores. Writes happen only in moderation/actions.py (and, for holding a
new post, moderation/screening.py, the one entry point forum calls)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.guidelines import Guideline


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or pressure")
    MEDICAL = "medical", _("Unsafe or misleading medical advice")
    IDENTIFYING = "identifying", _("Shares someone's identifying details")
    AT_RISK = "at_risk", _("Someone may be at risk")
    OTHER = "other", _("Something else")


class ReviewItemQuerySet(models.QuerySet["ReviewItem"]):
    def waiting(self) -> ReviewItemQuerySet:
        """Open items as the queue lists them, most urgent first, then oldest. A post its
        author deleted meanwhile needs nobody's review: its words are gone."""
        return self.filter(status="open", post__deleted_at__isnull=True).order_by(
            "priority", "created_at", "id"
        )


class ReviewItem(models.Model):
    """One thing in the review queue: a reported, held or appealed post.

    Moderators act on an item through a form that carries the version they saw; the
    action claims the item only if that version is still current, so two moderators
    acting at once cannot both decide it.
    """

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        HELD_NEW_MEMBER = "held_new_member", _("New member's post")
        HELD_WATCHED_WORD = "held_watched_word", _("Held by a watched word")
        HELD_IDENTIFYING = "held_identifying", _("May identify someone")
        APPEAL = "appeal", _("Appeal")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        RESOLVED = "resolved", _("Resolved")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="review_items")
    # Lower is more urgent; the queue sorts by priority, then age.
    priority = models.PositiveSmallIntegerField(default=50)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A short code of what was decided (approved, rejected, removed, dismissed, …).
    outcome = models.CharField(max_length=24, blank=True)
    # An appeal's own words, written by the post's author to the moderators.
    appeal_text = models.TextField(blank=True)

    objects = ReviewItemQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["priority", "created_at"],
                condition=Q(status="open"),
                name="review_item_open_queue",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "kind"],
                condition=Q(status="open"),
                name="one_open_review_item_per_post_and_kind",
            )
        ]
        permissions = [("moderate", "Can moderate the community")]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")

    def __str__(self) -> str:
        return f"{self.kind} review item {self.pk} for post {self.post_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Report(models.Model):
    """A member flags a post. Moderators see reasons and counts, never who reported."""

    class Status(models.TextChoices):
        OPEN = "open", _("Received")
        UPHELD = "upheld", _("Reviewed: moderators acted on it")
        DISMISSED = "dismissed", _("Reviewed: no action was needed")

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    note = models.CharField(max_length=500, blank=True)
    # The reporter's trust and accuracy when they reported: what it adds to auto-hiding.
    weight = models.SmallIntegerField()
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["reporter", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(status="open"),
                name="one_open_report_per_member_per_post",
            )
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"report {self.pk} on post {self.post_id}"


class WatchedWord(models.Model):
    class Action(models.TextChoices):
        BLOCK = "block", _("Block: the post is refused")
        HOLD = "hold", _("Hold: published only after approval")
        REPLACE = "replace", _("Replace with other words")

    phrase = models.CharField(max_length=100, unique=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    replacement = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("watched word")
        verbose_name_plural = _("watched words")

    def __str__(self) -> str:
        return self.phrase


class Notice(models.Model):
    """A private, kind message from the moderators to one member."""

    class Kind(models.TextChoices):
        POST_HIDDEN = "post_hidden", _("One of your posts was removed")
        POST_REJECTED = "post_rejected", _("One of your posts was not approved")
        POST_EDITED = "post_edited", _("A moderator edited one of your posts")
        POST_RESTORED = "post_restored", _("One of your posts is back")
        THREAD_REMOVED = "thread_removed", _("A thread you started was removed")
        WARNING = "warning", _("A note from the moderators")
        SUSPENDED = "suspended", _("Your account is paused from posting")
        SUSPENSION_LIFTED = "suspension_lifted", _("You can post again")
        APPEAL_DECIDED = "appeal_decided", _("Your request for a review was answered")
        AUTHOR_REVEALED = "author_revealed", _("Moderators saw who wrote an anonymous post")
        CONTENT_WARNING_ADDED = (
            "content_warning_added",
            _("A moderator added a content warning to one of your posts"),
        )

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_notices"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    post = models.ForeignKey(
        "forum.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    guideline = models.CharField(max_length=32, choices=Guideline.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Hidden and rejected posts may be appealed once.
    appealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-created_at"])]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.kind} notice {self.pk} for member {self.recipient_id}"

    @property
    def may_be_appealed(self) -> bool:
        appealable = (self.Kind.POST_HIDDEN, self.Kind.POST_REJECTED)
        return self.kind in appealable and self.appealed_at is None and self.post_id is not None


class AppendOnly(Exception):
    """The moderation log is never changed or deleted."""


class LogEntryQuerySet(models.QuerySet["LogEntry"]):
    def appealable_decisions(self) -> LogEntryQuerySet:
        """Decisions a member may ask to have reviewed (a removal, a rejection), each
        post's newest first."""
        return self.filter(
            action__in=(LogEntry.Action.HIDE_POST, LogEntry.Action.REJECT_POST)
        ).order_by("post_id", "-created_at", "-id")

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("The moderation log is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnly("The moderation log is append-only.")


class LogEntry(models.Model):
    """One moderator action, written in the action's own transaction. Append-only.

    Targets are kept as plain ids and a short label rather than foreign keys, so that
    the record outlives what it points to.
    """

    class Action(models.TextChoices):
        APPROVE_POST = "approve_post", _("Approved a post")
        REJECT_POST = "reject_post", _("Rejected a post")
        HIDE_POST = "hide_post", _("Removed a post")
        RESTORE_POST = "restore_post", _("Restored a post")
        DISMISS_REPORTS = "dismiss_reports", _("Dismissed reports")
        EDIT_POST = "edit_post", _("Edited a post")
        DENY_APPEAL = "deny_appeal", _("Kept a decision after an appeal")
        DELETE_THREAD = "delete_thread", _("Removed a thread")
        LOCK_THREAD = "lock_thread", _("Locked a thread")
        UNLOCK_THREAD = "unlock_thread", _("Unlocked a thread")
        PIN_THREAD = "pin_thread", _("Pinned a thread")
        UNPIN_THREAD = "unpin_thread", _("Unpinned a thread")
        MOVE_THREAD = "move_thread", _("Moved a thread")
        SET_SLOW_MODE = "set_slow_mode", _("Set slow mode")
        WARN_MEMBER = "warn_member", _("Warned a member")
        SUSPEND_MEMBER = "suspend_member", _("Suspended a member")
        LIFT_SUSPENSION = "lift_suspension", _("Lifted a suspension")
        SET_TRUST_LEVEL = "set_trust_level", _("Set a trust level")
        ADD_WATCHED_WORD = "add_watched_word", _("Added a watched word")
        REMOVE_WATCHED_WORD = "remove_watched_word", _("Removed a watched word")
        MAKE_MODERATOR = "make_moderator", _("Made a member a moderator")
        WARN_AUTHOR = "warn_author", _("Warned the author of an anonymous post")
        SUSPEND_AUTHOR = "suspend_author", _("Suspended the author of an anonymous post")
        REQUEST_REVEAL = "request_reveal", _("Asked to see who wrote an anonymous post")
        APPROVE_REVEAL = "approve_reveal", _("Approved seeing who wrote an anonymous post")
        ADD_CONTENT_WARNING = "add_content_warning", _("Added a content warning to a post")

    # None when an operator acted from the command line.
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    member_id = models.PositiveBigIntegerField(null=True, blank=True)
    thread_id = models.PositiveBigIntegerField(null=True, blank=True)
    post_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = models.CharField(max_length=200)
    reason = models.TextField()
    guideline = models.CharField(max_length=32, choices=Guideline.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"]),
            # An appeal looks up the decision it asks about.
            models.Index(fields=["post_id", "-created_at"]),
        ]
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")

    def __str__(self) -> str:
        return f"{self.action} on {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("The moderation log is append-only.")


class RevealRequest(models.Model):
    """An admin asks to see the account behind one anonymous post.

    Requested with a written reason by an admin holding
    `moderation.reveal_anonymous_author` (given to no group by default); approved by a
    second admin holding it; only then is the account shown, and only to the requester.
    Both steps are logged (the post as target, never the account) and the member is
    told with a Notice once it is approved.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a second admin")
        APPROVED = "approved", _("Approved")

    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("reveal_anonymous_author", "Can ask for and approve revealing an anonymous author")
        ]
        verbose_name = _("reveal request")
        verbose_name_plural = _("reveal requests")

    def __str__(self) -> str:
        return f"reveal request {self.pk} for post {self.post_id}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED
