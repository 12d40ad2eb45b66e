"""What the forum stores. Writes happen only in forum/actions.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Permission, PermissionsMixin
from django.contrib.postgres.search import SearchVectorField
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.content_warnings import labels as content_warning_labels
from forum.guidelines import Guideline
from forum.pseudonyms import pseudonym_key

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class MemberManager(BaseUserManager["Member"]):
    def get_by_natural_key(self, username: str | None) -> Member:
        # Sign-in matches the way uniqueness is enforced: case and width do not matter.
        return self.get(pseudonym_key=pseudonym_key(username or ""))

    def create_user(self, pseudonym: str, password: str | None = None, **extra: Any) -> Member:
        member = self.model(pseudonym=pseudonym, pseudonym_key=pseudonym_key(pseudonym), **extra)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_superuser(self, pseudonym: str, password: str | None = None, **extra: Any) -> Member:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(pseudonym, password, **extra)

    def moderators(self) -> models.QuerySet[Member]:
        """Members who moderate now (see Member.is_moderator): the permission through a
        group, directly or as a superuser; active and not suspended."""
        through_group = Q(
            groups__permissions__codename="moderate",
            groups__permissions__content_type__app_label="moderation",
        )
        direct = Q(
            user_permissions__codename="moderate",
            user_permissions__content_type__app_label="moderation",
        )
        return (
            self.filter(Q(is_superuser=True) | through_group | direct, is_active=True)
            .exclude(suspended_until__gt=timezone.now())
            .distinct()
        )


class TrustLevel(models.TextChoices):
    """How far the community trusts an account; shown only to the member and moderators.

    Computed by moderation.trust (it only ever promotes) unless a moderator locked it.
    """

    NEW = "new", _("New")
    MEMBER = "member", _("Member")
    TRUSTED = "trusted", _("Trusted")


class Member(AbstractBaseUser, PermissionsMixin):
    """An account: a pseudonym and a password, nothing that identifies a person."""

    # Unique as Django requires of the sign-in field; pseudonym_key is the uniqueness that
    # matters: NFKC-normalised and case-folded, so "QuietHeron", "quietheron" and
    # "ＱｕｉｅｔＨｅｒｏｎ" are one name.
    pseudonym = models.CharField(_("pseudonym"), max_length=30, unique=True)
    # Case-folding can lengthen a name ("ß" becomes "ss"): up to three times as long.
    pseudonym_key = models.CharField(max_length=90, unique=True, editable=False)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    trust_level = models.CharField(
        _("trust level"), max_length=16, choices=TrustLevel.choices, default=TrustLevel.NEW
    )
    # A moderator set the level by hand: the automatic promotion leaves it alone.
    trust_locked = models.BooleanField(_("trust level locked"), default=False)
    # Until then the member can read but not post, report or react.
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    # Discreet mode: every tab shows a neutral title and icon, and no thread title appears
    # in the window title or in notifications; nothing is kept in browser storage.
    discreet_mode = models.BooleanField(_("discreet mode"), default=False)
    # Content warnings: warning → "show", "collapse" or "hide" (forum.content_warnings).
    # A warning left out is collapsed. Applied in the member's browser, never on the server.
    content_warning_choices = models.JSONField(default=dict, blank=True)
    # How the member's named posts are framed (forum.models.Perspective); "" frames nothing.
    perspective = models.CharField(_("perspective"), max_length=32, blank=True, default="")
    # Reaction counts are not shown to this member (their own buttons stay usable).
    hide_reaction_counts = models.BooleanField(_("hide reaction counts"), default=False)
    # "Hide other people's numbers": comfort ratings and the time between journey entries
    # are left out of what this member reads, except on their own journeys.
    hides_others_numbers = models.BooleanField(_("hide other people's numbers"), default=False)

    objects = MemberManager()

    USERNAME_FIELD = "pseudonym"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.pseudonym

    def clean(self) -> None:
        self.pseudonym_key = pseudonym_key(self.pseudonym)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    def is_moderator(self) -> bool:
        """Whether this member moderates now: the permission (the Moderators group, or a
        superuser), an active account and no suspension. Asked by name, so forum needs
        nothing of the moderation app to know it."""
        return self.is_active and not self.is_suspended and self.has_perm("moderation.moderate")

    def may_read_post_history(self) -> bool:
        """Whether this member may read the earlier versions of anyone's posts.

        The same answer as has_perm("forum.view_postrevision") in one query instead of
        the two (own and group permissions) the backend makes: it is asked on every
        thread page that shows someone else's edited post.
        """
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return Permission.objects.filter(
            Q(user=self) | Q(group__user=self),
            content_type__app_label="forum",
            codename="view_postrevision",
        ).exists()


class BrowserSessionQuerySet(models.QuerySet["BrowserSession"]):
    def _live_keys(self) -> models.QuerySet[Session, str]:
        # Sessions are kept in the database (Django's default engine, which
        # config/settings.py keeps): a session that still exists and has not expired.
        return Session.objects.filter(expire_date__gt=timezone.now()).values_list(
            "session_key", flat=True
        )

    def signed_in(self) -> BrowserSessionQuerySet:
        """The rows whose session can still be used."""
        return self.filter(session_key__in=self._live_keys())

    def ended(self) -> BrowserSessionQuerySet:
        """The rows whose session expired, was ended or had its key changed under it."""
        return self.exclude(session_key__in=self._live_keys())


class BrowserSession(models.Model):
    """A browser where the member is signed in, as their sessions list shows it: when it
    began, the last day it was used and the browser's family. Nothing else is kept: no
    address, no full user-agent string, no time of day."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="browser_sessions")
    # The session's key, so that "sign out the others" can end it.
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_used_on = models.DateField(default=timezone.localdate)
    browser = models.CharField(max_length=40, blank=True)

    objects = BrowserSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("browser session")
        verbose_name_plural = _("browser sessions")

    def __str__(self) -> str:
        return f"browser session {self.pk} of member {self.member_id}"


class RecoveryCode(models.Model):
    """One single-use account recovery code. Only a keyed hash of it is kept."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code {self.pk} of member {self.member_id}"


class CategoryQuerySet(models.QuerySet["Category"]):
    def readable_by(self, user: Member | AnonymousUser) -> CategoryQuerySet:
        if user.is_authenticated:
            return self
        return self.filter(is_public=True)

    def with_mute_of(self, user: Member | AnonymousUser) -> CategoryQuerySet:
        """Each category with `is_muted`: whether this member muted it (never, for a
        visitor), in the same query."""
        if not user.is_authenticated:
            return self.annotate(is_muted=Value(False))
        muted = CategoryMute.objects.filter(member_id=user.pk, category=OuterRef("pk"))
        return self.annotate(is_muted=Exists(muted))

    def with_activity(self) -> CategoryQuerySet:
        # Only published threads count: a held or removed one is not in the lists.
        listed = Q(threads__status="published")
        return self.annotate(
            thread_total=Count("threads", filter=listed, distinct=True),
            latest_activity_at=Max("threads__last_posted_at", filter=listed),
        )

    def with_new_replies_for(self, member: Member) -> CategoryQuerySet:
        """Each category with `has_new_replies`: a listed thread in it that `member` has
        opened before has a reply posted since (ThreadReadState), in the same query."""
        return self.annotate(
            has_new_replies=Exists(
                ThreadReadState.objects.filter(
                    member=member,
                    thread__category=OuterRef("pk"),
                    thread__status=ThreadStatus.PUBLISHED,
                    thread__last_posted_at__gt=F("seen_at"),
                )
                # A thread the member muted has left their lists: it marks nothing.
                .exclude(thread__mutes__member=member)
            )
        )


class AnonymousPosting(models.TextChoices):
    """A category's policy for posting anonymously."""

    OFF = "off", _("Not in this category")
    OPTIONAL = "optional", _("Each author chooses")
    ALWAYS = "always", _("Every post here is anonymous")


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=240)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Public categories can be read without an account; others only by members.
    is_public = models.BooleanField(_("readable without an account"), default=True)
    anonymous_posting = models.CharField(
        _("posting anonymously"),
        max_length=16,
        choices=AnonymousPosting.choices,
        default=AnonymousPosting.OPTIONAL,
    )

    objects = CategoryQuerySet.as_manager()

    # Whether the viewer muted it, where CategoryQuerySet.with_mute_of annotated it.
    is_muted: bool

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:category", args=[self.slug])


class ThreadQuerySet(models.QuerySet["Thread"]):
    def readable_by(self, user: Member | AnonymousUser) -> ThreadQuerySet:
        if user.is_authenticated:
            return self
        return self.filter(category__is_public=True)

    def listed(self) -> ThreadQuerySet:
        """The threads lists show: published ones (a held thread waits for approval,
        rejected and removed ones are gone from the lists)."""
        return self.filter(status=ThreadStatus.PUBLISHED)

    def without_muted_threads(self, user: Member | AnonymousUser) -> ThreadQuerySet:
        """Less the threads this member muted one by one (a category page's list)."""
        if not user.is_authenticated:
            return self
        muted = ThreadMute.objects.filter(member_id=user.pk, thread=OuterRef("pk"))
        return self.exclude(Exists(muted))

    def unmuted_for(self, user: Member | AnonymousUser) -> ThreadQuerySet:
        """Less the threads this member muted, one by one or with their category: what
        every list of threads across categories shows them."""
        if not user.is_authenticated:
            return self
        muted = CategoryMute.objects.filter(member_id=user.pk, category=OuterRef("category_id"))
        return self.without_muted_threads(user).exclude(Exists(muted))

    def with_mute_of(self, user: Member | AnonymousUser) -> ThreadQuerySet:
        """Each thread with `is_muted`: whether this member muted it, in the same query."""
        if not user.is_authenticated:
            return self.annotate(is_muted=Value(False))
        muted = ThreadMute.objects.filter(member_id=user.pk, thread=OuterRef("pk"))
        return self.annotate(is_muted=Exists(muted))

    def started_with_perspective(self, perspective: str) -> ThreadQuerySet:
        """Threads opened under a pseudonym whose member frames their posts so. Anonymous
        threads never match: the account's perspective must not sort an alias."""
        return self.filter(is_anonymous=False, author__perspective=perspective)

    def for_listing(self) -> ThreadQuerySet:
        return self.select_related("author").order_by("-is_pinned", "-last_posted_at", "-id")

    def with_followed_by(self, user: Member | AnonymousUser) -> ThreadQuerySet:
        """Each thread with `is_followed`: whether `user` follows it, from the same query
        (False for visitors, with no subquery at all)."""
        if not user.is_authenticated:
            return self.annotate(is_followed=models.Value(False))
        return self.annotate(
            is_followed=models.Exists(
                Follow.objects.filter(thread=models.OuterRef("pk"), member_id=user.pk)
            )
        )

    def with_new_replies_for(self, member: Member) -> ThreadQuerySet:
        """Each thread with `has_new_replies`: `member` opened it before and a reply was
        posted (or approved) since, in the same query. A thread never opened has none:
        lists mark what changed since the member was there, not every thread they
        have not read."""
        return self.annotate(
            has_new_replies=Exists(
                ThreadReadState.objects.filter(
                    member=member, thread=OuterRef("pk"), seen_at__lt=OuterRef("last_posted_at")
                )
            )
        )


class ThreadStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    # Its opening post waits for a moderator's approval: only its author sees it.
    HELD = "held", _("Waiting for approval")
    REJECTED = "rejected", _("Not approved")
    REMOVED = "removed", _("Removed by a moderator")


class Thread(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(_("title"), max_length=settings.TITLE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    # Kept by the posting actions so listings sort on an index, not an aggregate.
    last_posted_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    # Its opening post is anonymous: lists show the starter's alias, never the account.
    is_anonymous = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=ThreadStatus.choices, default=ThreadStatus.PUBLISHED
    )
    # The guideline a moderator's removal pointed to, shown where the thread was.
    removal_guideline = models.CharField(max_length=32, choices=Guideline.choices, blank=True)
    # Slow mode: each member may post here once per this many minutes (0: off).
    slow_mode_minutes = models.PositiveSmallIntegerField(default=0)
    # The title's full-text search vector, kept by a PostgreSQL trigger (forum.search);
    # always empty on SQLite, which searches without it.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["category", "-is_pinned", "-last_posted_at", "-id"])]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", args=[self.pk])

    @property
    def starter_alias(self) -> str:
        """What lists show instead of the starter of an anonymous thread."""
        from forum.aliases import starter_alias

        return starter_alias(self) if self.is_anonymous else ""


class PostQuerySet(models.QuerySet["Post"]):
    def placed(self) -> PostQuerySet:
        """The posts that hold a place in their thread: published ones, and those hidden
        for review or removed, which show as tombstones. Held and rejected posts have no
        place (their author sees their own held posts apart)."""
        return self.filter(status__in=PLACED_POST_STATUSES)

    def waiting_by(self, author: Member) -> PostQuerySet:
        """The author's own posts that wait for a moderator's approval, oldest first:
        only what the "waiting for approval" box shows."""
        return (
            self.filter(author=author, status=PostStatus.HELD, deleted_at__isnull=True)
            .only("thread_id", "html", "created_at")
            .order_by("id")
        )

    def in_reading_order(self) -> PostQuerySet:
        """Posts as a thread page shows them: only what their fragments need.

        The Markdown source and the author's other columns (the password hash among them)
        are left in the database: a page of thirty posts would carry them for nothing.
        """
        return (
            self.select_related("author", "thread")
            .only(
                "thread_id",
                "html",
                "created_at",
                "edited_at",
                "deleted_at",
                "status",
                "removal_guideline",
                "is_anonymous",
                "content_warnings",
                "perspective",
                "author__pseudonym",
                "author__perspective",
                # Whether an anonymous post is its thread's anonymous starter's
                # (forum.aliases), from the same query.
                "thread__author",
                "thread__is_anonymous",
            )
            .order_by("id")
        )

    def by_author(self, member: Member) -> PostQuerySet:
        """A member's own posts, anonymous ones included, newest first: their "Your
        posts" page. Never shown to anyone else."""
        return (
            self.filter(author=member, deleted_at__isnull=True)
            .select_related("thread")
            .only(
                "thread_id",
                "author_id",
                "created_at",
                "status",
                "is_anonymous",
                "thread__title",
                "thread__author",
                "thread__is_anonymous",
            )
            .order_by("-created_at", "-id")
        )

    def public_of(self, member: Member) -> PostQuerySet:
        """The posts that may be counted or listed under a member's account by anyone
        but the member: never their anonymous ones."""
        return self.filter(author=member, is_anonymous=False)


class PostStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    # Waiting for a moderator's approval (a new member's first posts, a watched word,
    # identifying details): only its author and moderators see it, and it has no place
    # in the thread yet.
    HELD = "held", _("Waiting for approval")
    REJECTED = "rejected", _("Not approved")
    # Enough weighted reports hid it until a moderator looks: its author and moderators
    # still see it; everyone else sees that it is under review.
    HIDDEN_FOR_REVIEW = "hidden_for_review", _("Hidden while moderators review it")
    # A moderator removed it: a tombstone naming the guideline keeps its place.
    REMOVED = "removed", _("Removed by a moderator")


# Statuses that keep a place in the thread (and count in its reply_count).
PLACED_POST_STATUSES = (
    PostStatus.PUBLISHED,
    PostStatus.HIDDEN_FOR_REVIEW,
    PostStatus.REMOVED,
)


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="posts")
    body = models.TextField(_("body"))
    # The sanitised HTML of `body`, made by forum.markup at write time: the only HTML a
    # template may mark safe.
    html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The one-time token of the form that created this post: a double click or a resent
    # form meets this constraint and finds the post it already made.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Shown under the author's alias for this thread (forum.aliases), never their account.
    is_anonymous = models.BooleanField(default=False)
    status = models.CharField(
        max_length=24, choices=PostStatus.choices, default=PostStatus.PUBLISHED
    )
    # When a held post was approved: the live catch-up finds it although its id is older
    # than posts readers have already seen.
    approved_at = models.DateTimeField(null=True, blank=True)
    removal_guideline = models.CharField(max_length=32, choices=Guideline.choices, blank=True)
    # How many times reports have hidden it: the first is lifted by its author's edit,
    # a second only by a moderator.
    auto_hides = models.PositiveSmallIntegerField(default=0)
    # Content warnings (forum.content_warnings values, in the list's order), set by the
    # author or added by a moderator. An opening post's warnings are its thread's.
    content_warnings = models.JSONField(default=list, blank=True)
    # The warnings among those that a moderator added: they stay through the author's
    # edits, so unticking a box cannot undo a moderator's decision.
    moderator_warnings = models.JSONField(default=list, blank=True)
    # An anonymous post's perspective label, kept as it was when posted and only when its
    # author ticked "show my perspective" (named posts show their author's current one).
    perspective = models.CharField(max_length=32, blank=True, default="")
    # The body's full-text search vector, kept by a PostgreSQL trigger (forum.search);
    # always empty on SQLite, which searches without it.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    # The anonymous author's alias in this thread, set by forum.aliases.assign before a
    # post is shown ("" for a post under its author's pseudonym). Not stored.
    alias: str = ""

    class Meta:
        indexes = [
            models.Index(fields=["thread", "id"]),
            # Rate limits and trust count a member's recent posts.
            models.Index(fields=["author", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body=""),
                name="post_has_body_or_is_deleted",
            )
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"post {self.pk} in thread {self.thread_id}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.pk])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_removed(self) -> bool:
        return self.status == PostStatus.REMOVED

    @property
    def is_hidden_for_review(self) -> bool:
        return self.status == PostStatus.HIDDEN_FOR_REVIEW

    @property
    def shows_text(self) -> bool:
        """Whether the shared fragment shows the words (not a tombstone)."""
        return self.deleted_at is None and self.status == PostStatus.PUBLISHED

    @property
    def content_warning_labels(self) -> list[str]:
        return content_warning_labels(self.content_warnings or [])

    def removal_guideline_label(self) -> str:
        return str(Guideline(self.removal_guideline).label) if self.removal_guideline else ""

    @property
    def perspective_label(self) -> str:
        """The label beside the author's name: an anonymous post's own, frozen when it was
        posted; a named post's author's as it is now."""
        chosen = self.perspective if self.is_anonymous else self.author.perspective
        return str(Perspective(chosen).label) if chosen in Perspective.values else ""


class PostRevision(models.Model):
    """An earlier version of an edited post, shown to its author and to moderators only."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    html = models.TextField()
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self) -> str:
        return f"revision {self.pk} of post {self.post_id}"


class NotificationCounts(NamedTuple):
    total: int
    unread: int
    newest_id: int | None


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, member: Member | int) -> NotificationQuerySet:
        """A member's own notifications; those whose post its author deleted are gone
        with the words they pointed to."""
        about_post = Q(
            post__deleted_at__isnull=True,
            # A post a moderator removed, or in a thread gone from view, takes its
            # notifications with it, as a deleted one does.
            post__status__in=(PostStatus.PUBLISHED, PostStatus.HIDDEN_FOR_REVIEW),
            post__thread__status=ThreadStatus.PUBLISHED,
        )
        # A journey entry made private again, or in a journey gone from view, takes its
        # notifications with it the same way.
        about_entry = Q(
            entry__is_shared=True,
            entry__journey__thread__status=ThreadStatus.PUBLISHED,
        )
        return self.filter(about_post | about_entry, recipient=member)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def counts(self) -> NotificationCounts:
        """How many there are, how many of them are unread and the newest one's id, in
        one query."""
        totals = self.aggregate(
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            newest=Max("id"),
        )
        return NotificationCounts(
            total=totals["total"] or 0, unread=totals["unread"] or 0, newest_id=totals["newest"]
        )

    def newest_first(self) -> NotificationQuerySet:
        """As the notifications page lists them: only what each line shows."""
        return (
            self.select_related("post__thread", "entry__journey__thread")
            .only(
                "kind",
                "created_at",
                "read_at",
                "post_id",
                "post__thread__title",
                "entry__journey_id",
                "entry__journey__thread__title",
            )
            .order_by("-created_at", "-id")
        )


class Notification(models.Model):
    """Someone replied in a thread the recipient started, quoted the recipient, or
    reacted to the recipient's post (never saying who: forum.actions.notify_about_reaction).

    It points at the post and shows no more than the thread page shows the recipient:
    the kind, the thread's title and the post's place.
    """

    class Kind(models.TextChoices):
        REPLY_IN_YOUR_THREAD = "reply_in_your_thread", _("New reply in your thread")
        QUOTED_YOU = "quoted_you", _("Someone quoted you")
        REACTED_TO_YOUR_POST = "reacted_to_your_post", _("Someone reacted to your post")
        REPLY_IN_FOLLOWED_THREAD = "reply_in_followed_thread", _("New reply in a thread you follow")
        ENTRY_IN_FOLLOWED_JOURNEY = (
            "entry_in_followed_journey",
            _("New entry in a journey you follow"),
        )

    recipient = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # A notification points at a post or, for a journey's new entry, at the entry
    # (entries are not posts: see JourneyEntry).
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    entry = models.ForeignKey(
        "JourneyEntry",
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"]),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            # One notification per member per reply, whatever the reasons for it.
            models.UniqueConstraint(
                fields=["recipient", "post"], name="one_notification_per_member_per_post"
            ),
            models.UniqueConstraint(
                fields=["recipient", "entry"], name="one_notification_per_member_per_entry"
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False, entry__isnull=True)
                | Q(post__isnull=True, entry__isnull=False),
                name="notification_is_about_a_post_or_an_entry",
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"notification {self.pk} for member {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def thread_title(self) -> str:
        """The title of the thread (or journey) it is about, as newest_first loads it."""
        if self.entry_id is not None:
            return self.entry.journey.thread.title  # type: ignore[union-attr]
        return self.post.thread.title  # type: ignore[union-attr]


# --- Journeys: a member's own progress story ---------------------------------------------


class Milestone(models.TextChoices):
    """The fixed milestones an entry may mark. Setbacks and breaks are milestones like the
    others: shown the same way, never as a failure."""

    STARTED_DILATING = "started_dilating", _("Started dilating")
    MOVED_UP_A_SIZE = "moved_up_a_size", _("Moved up a dilator size")
    FIRST_TAMPON = "first_tampon", _("First tampon")
    FIRST_EXAMINATION = "first_examination", _("First gynaecological examination")
    PARTNER_JOINED = "partner_joined", _("Partner joined a session")
    FIRST_PAINLESS_PENETRATION = "first_painless_penetration", _("First penetration without pain")
    FIRST_PAIN_FREE_INTIMACY = (
        "first_pain_free_intimacy",
        _("First pain-free intimacy with a partner"),
    )
    SETBACK = "setback", _("Setback")
    TAKING_A_BREAK = "taking_a_break", _("Taking a break")
    OTHER = "other", _("Other")


# "A partner was involved" on the Journeys page: a shared entry that says so in its
# milestone. A note's words are not read for it: only what the member chose to mark.
PARTNER_MILESTONES = (Milestone.PARTNER_JOINED, Milestone.FIRST_PAIN_FREE_INTIMACY)

COMFORT_MAX = 10


class JourneyQuerySet(models.QuerySet["Journey"]):
    def listed_for(self, user: Member | AnonymousUser) -> JourneyQuerySet:
        """The Journeys page: published journeys the reader may read that have at least
        one shared entry, the most recently continued first. Nothing ranks them."""
        return (
            self.filter(
                latest_shared_on__isnull=False,
                thread__in=Thread.objects.readable_by(user).listed(),
            )
            .select_related("thread__author")
            .order_by("-latest_shared_on", "-thread_id")
        )

    def own(self, member: Member) -> JourneyQuerySet:
        """The member's own journeys, shared or not, anonymous ones included: only for
        their own eyes (the Journeys page lists them to them alone)."""
        return (
            self.filter(thread__author=member)
            .exclude(thread__status__in=(ThreadStatus.REMOVED, ThreadStatus.REJECTED))
            .select_related("thread")
            .only("latest_shared_on", "thread__title", "thread__status")
            .order_by("-thread__created_at", "-thread_id")
        )

    def reached(self, milestone: str) -> JourneyQuerySet:
        """Journeys with a shared entry marking `milestone`."""
        return self.filter(
            models.Exists(
                JourneyEntry.objects.shared().filter(
                    journey=models.OuterRef("pk"), milestone=milestone
                )
            )
        )

    def partner_involved(self) -> JourneyQuerySet:
        """Journeys with a shared entry whose milestone involved a partner."""
        return self.filter(
            models.Exists(
                JourneyEntry.objects.shared().filter(
                    journey=models.OuterRef("pk"), milestone__in=PARTNER_MILESTONES
                )
            )
        )

    def with_shared_milestones(self) -> JourneyQuerySet:
        """Each journey with `shared_milestones`: its shared entries that mark a
        milestone, oldest first (one query for the whole page)."""
        return self.prefetch_related(
            models.Prefetch(
                "entries",
                queryset=JourneyEntry.objects.shared()
                .exclude(milestone="")
                .only("journey_id", "milestone", "dilator_size", "happened_on")
                .order_by("happened_on", "id"),
                to_attr="shared_milestones",
            )
        )


class Journey(models.Model):
    """A progress story: a thread in "Progress stories" (its opening post says where the
    member started; others reply to it like any thread) and its dated entries.

    Entries are kept apart from posts on purpose: a private entry then cannot leak through
    any of the many paths posts travel (thread pages, the live catch-up, sockets,
    notifications, other members' exports).
    """

    thread = models.OneToOneField(
        Thread, on_delete=models.CASCADE, primary_key=True, related_name="journey"
    )
    # The date of its latest shared entry, kept by the entry actions: the Journeys page
    # sorts on it. None while nothing is shared (the journey is then not listed).
    latest_shared_on = models.DateField(null=True, blank=True)

    objects = JourneyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["-latest_shared_on", "-thread"])]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")

    def __str__(self) -> str:
        return f"journey {self.pk}"

    def get_absolute_url(self) -> str:
        return self.thread.get_absolute_url()

    @property
    def author_id(self) -> int:
        return self.thread.author_id

    @property
    def shown_author(self) -> str:
        """Who others see as its author: the thread's stable alias when it is anonymous,
        never the pseudonym."""
        if self.thread.is_anonymous:
            return self.thread.starter_alias
        return self.thread.author.pseudonym


class JourneyEntryQuerySet(models.QuerySet["JourneyEntry"]):
    def shared(self) -> JourneyEntryQuerySet:
        return self.filter(is_shared=True)

    def readable_by(self, user: Member | AnonymousUser) -> JourneyEntryQuerySet:
        """The entries `user` may read anywhere but on their own journey: shared entries
        of published journeys in categories open to them. Never a private entry, not even
        the reader's own (search and lists go through this)."""
        return self.shared().filter(journey__thread__in=Thread.objects.readable_by(user).listed())

    def shown_to(self, viewer: Member | AnonymousUser, journey: Journey) -> JourneyEntryQuerySet:
        """A journey's timeline as `viewer` sees it: the shared entries, and for the
        journey's own author the private ones too. Oldest first."""
        own = viewer.is_authenticated and viewer.pk == journey.author_id
        entries = self.filter(journey=journey) if own else self.shared().filter(journey=journey)
        return entries.order_by("happened_on", "id")


class JourneyEntry(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="entries")
    happened_on = models.DateField(_("date"))
    milestone = models.CharField(
        _("milestone"), max_length=32, choices=Milestone.choices, blank=True
    )
    # With "moved up a dilator size": the size as the member's set names it ("3", "M").
    dilator_size = models.CharField(_("dilator size"), max_length=20, blank=True)
    comfort = models.PositiveSmallIntegerField(_("comfort"), null=True, blank=True)
    # A rating is the member's own unless they choose to share it with the entry.
    shares_comfort = models.BooleanField(_("share my rating"), default=False)
    note = models.TextField(_("note"), blank=True)
    # The sanitised HTML of `note`, made by forum.markup at write time.
    html = models.TextField(editable=False, blank=True)
    # Private (only the author sees it) until the member shares it.
    is_shared = models.BooleanField(_("shared"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # As Post.submission_token: a double click adds one entry.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The note's full-text search vector, kept by a PostgreSQL trigger (forum.search);
    # always empty on SQLite. Searched only through readable_by: never a private entry.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = JourneyEntryQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["journey", "happened_on", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(comfort__isnull=True) | Q(comfort__lte=COMFORT_MAX),
                name="journey_entry_comfort_0_to_10",
            )
        ]
        verbose_name = _("journey entry")
        verbose_name_plural = _("journey entries")

    def __str__(self) -> str:
        return f"entry {self.pk} of journey {self.journey_id}"

    def get_absolute_url(self) -> str:
        return f"{reverse('forum:thread', args=[self.journey_id])}#entry-{self.pk}"

    @property
    def milestone_label(self) -> str:
        if not self.milestone:
            return ""
        label = str(Milestone(self.milestone).label)
        if self.milestone == Milestone.MOVED_UP_A_SIZE and self.dilator_size:
            return _("%(milestone)s (size %(size)s)") % {
                "milestone": label,
                "size": self.dilator_size,
            }
        return label


# --- Following and saving -----------------------------------------------------------------


class Follow(models.Model):
    """A member follows a thread or a journey: new replies and newly shared entries
    notify them. Only the member sees what they follow."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="follows")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "thread"], name="follow_a_thread_once")
        ]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")

    def __str__(self) -> str:
        return f"member {self.member_id} follows thread {self.thread_id}"


class BookmarkQuerySet(models.QuerySet["Bookmark"]):
    def saved_by(self, member: Member) -> BookmarkQuerySet:
        """The member's saved posts, newest saved first, with what the Saved page shows
        of each (its thread, and its author for the name or alias)."""
        return (
            self.filter(member=member)
            .select_related("post__author", "post__thread__category")
            .only(
                "created_at",
                "post__thread_id",
                "post__html",
                "post__created_at",
                "post__deleted_at",
                "post__status",
                "post__is_anonymous",
                "post__content_warnings",
                "post__author__pseudonym",
                "post__thread__title",
                "post__thread__status",
                "post__thread__author",
                "post__thread__is_anonymous",
                "post__thread__category__is_public",
            )
            .order_by("-created_at", "-id")
        )


class Bookmark(models.Model):
    """A post a member saved for later; only they see it, on their Saved page."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="bookmarks")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(default=timezone.now)

    objects = BookmarkQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "post"], name="save_a_post_once")]
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")

    def __str__(self) -> str:
        return f"bookmark {self.pk} of member {self.member_id}"


# --- Mute, block, hide an anonymous author, perspective (issue 6, points 8 and 9) --------


class Perspective(models.TextChoices):
    """How a member frames their posts: a small label beside their name. Nothing checks
    it, and "practitioner" says so."""

    LIVING_WITH_VAGINISMUS = "living_with_vaginismus", _("living with vaginismus")
    PARTNER = "partner", _("partner")
    PRACTITIONER = "practitioner", _("practitioner (not verified)")


class ThreadMute(models.Model):
    """A member muted a thread: it leaves their lists and tells them nothing more."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="thread_mutes")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="mutes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "thread"], name="one_mute_per_thread")
        ]
        verbose_name = _("muted thread")
        verbose_name_plural = _("muted threads")

    def __str__(self) -> str:
        return f"member {self.member_id} muted thread {self.thread_id}"


class CategoryMute(models.Model):
    """A member muted a category: its threads leave their lists and notifications."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="category_mutes")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="mutes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="one_mute_per_category")
        ]
        verbose_name = _("muted category")
        verbose_name_plural = _("muted categories")

    def __str__(self) -> str:
        return f"member {self.member_id} muted category {self.category_id}"


class Block(models.Model):
    """A member blocked another: the blocked member's named posts fold away for the
    blocker and stop notifying them. The blocked member is never told, and their
    anonymous posts are untouched (that would unmask them to the blocker)."""

    blocker = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="blocks_made")
    # Goes with the blocked member's account too: nothing is left naming a deleted account.
    blocked = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_member"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="no_blocking_oneself"
            ),
        ]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")

    def __str__(self) -> str:
        return f"member {self.blocker_id} blocked member {self.blocked_id}"


class HiddenAuthor(models.Model):
    """A member hid an anonymous author in one thread: that alias's posts fold away for
    them there. The account behind the alias is kept to recognise its posts and is never
    shown, exported or compared with anything the member can see."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="hidden_authors")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "thread", "author"], name="one_hidden_author_per_thread"
            )
        ]
        verbose_name = _("hidden anonymous author")
        verbose_name_plural = _("hidden anonymous authors")

    def __str__(self) -> str:
        return f"member {self.member_id} hid an author in thread {self.thread_id}"


class ReactionKind(models.TextChoices):
    """Supportive reactions only: nothing to disagree with, nothing to rank by."""

    HUG = "hug", _("Hug")
    ME_TOO = "me_too", _("Me too")
    THANK_YOU = "thank_you", _("Thank you")
    CELEBRATE = "celebrate", _("Celebrate")


class ReactionCounts(NamedTuple):
    """One post's reactions as a page shows them: how many of each kind (every reader
    sees the same) and which kinds the viewer gave (only the viewer sees that)."""

    counts: dict[str, int]
    mine: frozenset[str]


class ReactionQuerySet(models.QuerySet["Reaction"]):
    def counts_for(
        self, post_ids: Sequence[int], viewer: Member | AnonymousUser | None = None
    ) -> dict[int, ReactionCounts]:
        """Each post's reactions by kind, and the viewer's own, in one query whatever the
        number of posts. Posts without reactions are left out."""
        mine = (
            Count("id", filter=Q(member_id=viewer.pk))
            if viewer is not None and viewer.is_authenticated
            else Value(0)
        )
        rows = (
            self.filter(post_id__in=post_ids)
            .values("post_id", "kind")
            .annotate(total=Count("id"), mine=mine)
            .order_by()
        )
        found: dict[int, ReactionCounts] = {}
        for row in rows:
            shown = found.setdefault(row["post_id"], ReactionCounts({}, frozenset()))
            shown.counts[row["kind"]] = row["total"]
            if row["mine"]:
                found[row["post_id"]] = shown._replace(mine=shown.mine | {row["kind"]})
        return found


class Reaction(models.Model):
    """A member's supportive reaction to a post: at most one of each kind per member per
    post. Who reacted is never shown to anyone; pages show counts only."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reactions")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReactionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member", "kind"], name="one_reaction_per_kind_per_member_per_post"
            )
        ]
        indexes = [models.Index(fields=["member", "-created_at"])]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")

    def __str__(self) -> str:
        return f"reaction {self.pk} to post {self.post_id}"


class ThreadReadState(models.Model):
    """How far a member has read a thread: the newest post time (written or approved) of
    the pages they loaded. A thread whose last_posted_at is later has new replies for
    them. Only ever moves forward (forum.actions.mark_thread_read)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="read_states")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "thread"], name="one_read_state_per_thread")
        ]
        verbose_name = _("thread read state")
        verbose_name_plural = _("thread read states")

    def __str__(self) -> str:
        return f"read state of thread {self.thread_id} for member {self.member_id}"


class AccountDeletion(models.Model):
    """One entry of the account-deletion journal, which a restore from backup replays so
    that no deleted member comes back (forum.deletion_journal).

    It names no one: not the pseudonym, not even the account's id (the moderation log
    labels members by id, and an old backup maps ids to pseudonyms), only a keyed hash of
    the id and join time, which matches the account in a restored copy only with
    DELETION_JOURNAL_SECRET. It outlives the account on purpose and belongs to nobody."""

    account_key = models.CharField(max_length=64, editable=False)
    # Which DELETION_JOURNAL_SECRET wrote account_key: a restore under another key says so
    # rather than silently matching nothing.
    key_check = models.CharField(max_length=16, editable=False)
    deleted_at = models.DateTimeField(editable=False)
    kept_posts = models.BooleanField(editable=False)

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")

    def __str__(self) -> str:
        return f"account deletion {self.pk}"
