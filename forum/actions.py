"""Every write a member makes. One function per write, one transaction each.

Views parse and authorise, then call exactly one of these. Each takes keyword-only
arguments, performs its domain checks inside its transaction, and schedules anything
that must happen afterwards with transaction.on_commit.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping, Sequence
from functools import partial
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import broadcast, content_warnings, fragments, people, ratelimits, recovery
from forum.deletion_journal import record_deletion
from forum.exceptions import ActionRefused, PseudonymTaken
from forum.markup import render_markdown
from forum.models import (
    COMFORT_MAX,
    PLACED_POST_STATUSES,
    AnonymousPosting,
    Block,
    Bookmark,
    BrowserSession,
    Category,
    CategoryMute,
    Follow,
    HiddenAuthor,
    Journey,
    JourneyEntry,
    Member,
    Milestone,
    Notification,
    Perspective,
    Post,
    PostRevision,
    PostStatus,
    Reaction,
    ReactionKind,
    RecoveryCode,
    Thread,
    ThreadMute,
    ThreadReadState,
    ThreadStatus,
    TrustLevel,
)
from forum.pseudonyms import pseudonym_key, validate_pseudonym
from moderation import screening


def _issue_recovery_codes(member: Member) -> list[str]:
    codes = [recovery.new_code() for _ in range(recovery.CODES_PER_SET)]
    RecoveryCode.objects.filter(member=member).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(member=member, code_hash=recovery.code_hash(code)) for code in codes
    )
    return codes


def register_member(
    *, pseudonym: str, password: str, trust_level: str = TrustLevel.NEW
) -> tuple[Member, list[str]]:
    """Create an account; returns it with its recovery codes, shown to the member once.

    Every account starts as a new member; the demo loader and tests pass `trust_level`
    to start elsewhere.

    Raises django's ValidationError for a pseudonym the rules refuse (the sign-up form
    says so beside the field first).
    """
    validate_pseudonym(pseudonym)
    with transaction.atomic():
        if Member.objects.filter(pseudonym_key=pseudonym_key(pseudonym)).exists():
            raise PseudonymTaken(_("That pseudonym is taken. Please choose another."))
        try:
            with transaction.atomic():
                member = Member.objects.create_user(pseudonym, password, trust_level=trust_level)
        except IntegrityError as error:
            raise PseudonymTaken(_("That pseudonym is taken. Please choose another.")) from error
        codes = _issue_recovery_codes(member)
    return member, codes


def regenerate_recovery_codes(*, member: Member) -> list[str]:
    """Void every earlier code and issue a new set."""
    with transaction.atomic():
        return _issue_recovery_codes(member)


def recover_account(*, pseudonym: str, code: str, new_password: str) -> Member | None:
    """Spend one unused recovery code to set a new password. None if they do not match."""
    with transaction.atomic():
        spent = (
            RecoveryCode.objects.select_for_update()
            .select_related("member")
            .filter(
                code_hash=recovery.code_hash(code),
                used_at__isnull=True,
                member__pseudonym_key=pseudonym_key(pseudonym),
                member__is_active=True,
            )
            .first()
        )
        if spent is None:
            return None
        spent.used_at = timezone.now()
        spent.save(update_fields=["used_at"])
        member = spent.member
        member.set_password(new_password)
        member.save(update_fields=["password"])
        # Whoever knew the old password is signed out everywhere.
        _end_browser_sessions(member)
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))
    return member


def change_password(
    *, member: Member, new_password: str, keep_session_key: str | None = None
) -> None:
    """A new password ends every other session of the account (the one changing it,
    `keep_session_key`, stays signed in)."""
    with transaction.atomic():
        member.set_password(new_password)
        member.save(update_fields=["password"])
        _end_browser_sessions(member, keep_session_key=keep_session_key)
        # Open sockets keep the identity they connected with: close them.
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))


# --- Browser sessions (the sessions list in Settings) -----------------------------------


def _session_store() -> type[SessionBase]:
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store


def _end_browser_sessions(member: Member, *, keep_session_key: str | None = None) -> int:
    """End the member's recorded sessions, but for `keep_session_key`, in the session
    store itself (not only by the password hash check on their next request), and remove
    their rows. Returns how many were ended."""
    rows = BrowserSession.objects.filter(member=member)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = list(rows.values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()
    if keys:
        BrowserSession.objects.filter(member=member, session_key__in=keys).delete()
    return len(keys)


def record_browser_session(*, member: Member, session_key: str, browser: str) -> BrowserSession:
    """At sign-in: the browser joins the member's sessions list. `browser` is the family
    only (forum.account_views.browser_family); nothing else about it is kept. Rows whose
    session has ended meanwhile (expired, or its key cycled) are removed."""
    with transaction.atomic():
        BrowserSession.objects.filter(member=member).exclude(
            session_key=session_key
        ).ended().delete()
        row, _created = BrowserSession.objects.update_or_create(
            session_key=session_key,
            defaults={"member": member, "browser": browser, "last_used_on": timezone.localdate()},
        )
    return row


def touch_browser_session(*, member_id: int, browser_session_id: int, session_key: str) -> bool:
    """The first request of a day (forum.middleware.MemberPrivacyMiddleware): the row's
    last-used day, and its key if the session's key changed. False when the row is gone."""
    with transaction.atomic():
        updated = BrowserSession.objects.filter(pk=browser_session_id, member_id=member_id).update(
            last_used_on=timezone.localdate(), session_key=session_key
        )
    return updated == 1


def end_browser_session(*, member: Member, session_key: str | None) -> None:
    """At sign-out: this browser leaves the sessions list and the member's open sockets
    close (they reconnect as who they are now)."""
    with transaction.atomic():
        if session_key:
            BrowserSession.objects.filter(member=member, session_key=session_key).delete()
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))


def sign_out_other_browsers(*, member: Member, keep_session_key: str) -> int:
    """Sign out everywhere else: every other recorded session of the member ends.

    Their open sockets close with the rest of the member's: a socket does not say which
    session opened it, so this browser's pages lose theirs too and reconnect at once.
    Returns how many sessions ended.
    """
    with transaction.atomic():
        ended = _end_browser_sessions(member, keep_session_key=keep_session_key)
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))
    return ended


def rename_member(*, member: Member, pseudonym: str) -> None:
    """Take a new pseudonym. Nothing keeps the old one: posts show whatever it is now."""
    validate_pseudonym(pseudonym)
    key = pseudonym_key(pseudonym)
    with transaction.atomic():
        if Member.objects.filter(pseudonym_key=key).exclude(pk=member.pk).exists():
            raise PseudonymTaken(_("That pseudonym is taken. Please choose another."))
        member.pseudonym = pseudonym
        member.pseudonym_key = key
        try:
            with transaction.atomic():
                member.save(update_fields=["pseudonym", "pseudonym_key"])
        except IntegrityError as error:
            raise PseudonymTaken(_("That pseudonym is taken. Please choose another.")) from error


def _already_submitted(submission_token: uuid.UUID | None) -> Post | None:
    if submission_token is None:
        return None
    return Post.objects.select_related("thread").filter(submission_token=submission_token).first()


def _check_may_post(author: Member, now: datetime.datetime) -> Member:
    """Inside the posting transaction: the author's row, read again and locked (so a
    suspension that just began counts, and two posts at once are counted one after the
    other), then the suspension and the posting rate."""
    # FOR NO KEY UPDATE orders this member's posts as FOR UPDATE would, without blocking
    # other transactions' foreign-key checks on the row (a notification to this member,
    # a reply by someone else in their thread). With FOR UPDATE, two members replying to
    # each other at the same moment deadlocked at COMMIT (bench/soak.py, PostgreSQL).
    current = Member.objects.select_for_update(no_key=True).get(pk=author.pk)
    # Permissions cached on the request's member object stay usable.
    author.suspended_until = current.suspended_until
    author.trust_level = current.trust_level
    ratelimits.refuse_if_suspended(author)
    ratelimits.check_posting_rate(author, now)
    return author


def _anonymous_under(policy: str, chosen: bool) -> bool:
    """The category's policy decides over the author's choice: never where it is off
    (a forged field changes nothing), always where it is always."""
    if policy == AnonymousPosting.OFF:
        return False
    if policy == AnonymousPosting.ALWAYS:
        return True
    return chosen


def _perspective_shown(author: Member, anonymous: bool, chosen: bool) -> str:
    """The label an anonymous post keeps: the author's perspective now, only when they
    ticked it for this post. A named post keeps none: it shows its author's current one.

    Frozen at posting time on purpose: were anonymous posts to follow the account's
    perspective, a change would flip the labels of the member's named posts and of their
    anonymous ones at the same moment, linking the aliases to the account."""
    return author.perspective if anonymous and chosen else ""


def start_thread(
    *,
    author: Member,
    category: Category,
    title: str,
    body: str,
    submission_token: uuid.UUID | None = None,
    publish_anyway: bool = False,
    anonymous: bool = False,
    warnings: Sequence[str] = (),
    show_perspective: bool = False,
) -> Thread:
    """Open a thread with its first post. Sending the same form twice opens it once.

    The opening post is screened first (moderation.screening): it may be refused (the
    message says why), need the author's confirmation (NeedsConfirmation), or wait for
    approval, in which case the whole thread waits with it, seen only by its author and
    moderators until a moderator approves it.
    """
    existing = _already_submitted(submission_token)
    if existing is not None:
        return existing.thread
    try:
        with transaction.atomic():
            now = timezone.now()
            _check_may_post(author, now)
            verdict = screening.screen(
                author=author, body=body, title=title, publish_anyway=publish_anyway
            )
            held = verdict.hold is not None
            anonymous = _anonymous_under(category.anonymous_posting, anonymous)
            thread = Thread.objects.create(
                category=category,
                author=author,
                # A replaced word may be longer than the one it replaces.
                title=verdict.title[: settings.TITLE_MAX_LENGTH],
                created_at=now,
                last_posted_at=now,
                status=ThreadStatus.HELD if held else ThreadStatus.PUBLISHED,
                is_anonymous=anonymous,
            )
            post = Post.objects.create(
                thread=thread,
                author=author,
                body=verdict.body,
                html=render_markdown(verdict.body),
                created_at=now,
                submission_token=submission_token,
                is_anonymous=anonymous,
                status=PostStatus.HELD if held else PostStatus.PUBLISHED,
                content_warnings=content_warnings.normalise(warnings),
                perspective=_perspective_shown(author, anonymous, show_perspective),
            )
            if held:
                screening.hold_for_review(post=post, verdict=verdict)
    except IntegrityError:
        # The same form arrived twice at once; the other request made the thread.
        existing = _already_submitted(submission_token)
        if existing is None:
            raise
        return existing.thread
    return thread


def _notify_about_reply(
    *,
    post: Post,
    thread: Thread,
    quoted_post: Post | None,
    at: datetime.datetime | None = None,
) -> None:
    """Tell the thread's starter and the quoted member about a reply: one notification
    each, never to the reply's own author. Quoting is the more personal reason, so a
    starter who is also quoted is told that."""
    kinds: dict[int, str] = {}
    if (
        quoted_post is not None
        and quoted_post.thread_id == thread.pk
        and not quoted_post.is_deleted
        and quoted_post.pk != post.pk
    ):
        kinds[quoted_post.author_id] = Notification.Kind.QUOTED_YOU
    kinds.setdefault(thread.author_id, Notification.Kind.REPLY_IN_YOUR_THREAD)
    told = people.notifiable_recipients(post=post, candidates=kinds)
    kinds = {member_id: kind for member_id, kind in kinds.items() if member_id in told}
    if kinds:
        Notification.objects.bulk_create(
            Notification(
                recipient_id=member_id, kind=kind, post=post, created_at=at or post.created_at
            )
            for member_id, kind in kinds.items()
        )
        for member_id in kinds:
            transaction.on_commit(partial(broadcast.notifications_changed, member_id))
    notify_followers(
        thread_id=thread.pk,
        author_id=post.author_id,
        post=post,
        already_told=set(kinds),
        at=at or post.created_at,
    )


def post_reply(
    *,
    author: Member,
    thread: Thread,
    body: str,
    submission_token: uuid.UUID | None = None,
    quoted_post: Post | None = None,
    publish_anyway: bool = False,
    anonymous: bool = False,
    warnings: Sequence[str] = (),
    show_perspective: bool = False,
) -> Post:
    """Add a reply. Sending the same form twice adds it once.

    `anonymous`: the reply shows the author's alias for this thread (forum.aliases),
    as the thread's category allows. Its author is notified and sees it as their own
    as ever; nobody else can tell whose it is.

    The thread's starter is notified, and so is the author of `quoted_post` when it is a
    live post of this thread (the Quote link carries it). A reply the screening holds
    has no place in the thread yet: no count, no broadcast, no notification until a
    moderator approves it (publish_held_post).
    """
    existing = _already_submitted(submission_token)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            # As for the author's row (_check_may_post): replies to the thread wait for
            # each other, and nothing else that refers to the thread waits for them.
            locked_thread = Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)
            if locked_thread.status == ThreadStatus.HELD:
                raise ActionRefused(
                    _("This thread is waiting for a moderator's approval; replies open after.")
                )
            if locked_thread.status != ThreadStatus.PUBLISHED:
                raise ActionRefused(_("This thread was removed, so it takes no new replies."))
            if locked_thread.is_locked:
                raise ActionRefused(_("This thread is locked, so it takes no new replies."))
            now = timezone.now()
            _check_may_post(author, now)
            ratelimits.check_slow_mode(author, locked_thread, now)
            verdict = screening.screen(author=author, body=body, publish_anyway=publish_anyway)
            held = verdict.hold is not None
            policy = Category.objects.values_list("anonymous_posting", flat=True).get(
                pk=locked_thread.category_id
            )
            anonymous = _anonymous_under(policy, anonymous)
            post = Post.objects.create(
                is_anonymous=anonymous,
                perspective=_perspective_shown(author, anonymous, show_perspective),
                thread=locked_thread,
                author=author,
                body=verdict.body,
                html=render_markdown(verdict.body),
                created_at=now,
                submission_token=submission_token,
                status=PostStatus.HELD if held else PostStatus.PUBLISHED,
                content_warnings=content_warnings.normalise(warnings),
            )
            if held:
                screening.hold_for_review(post=post, verdict=verdict)
                return post
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_posted_at=now
            )
            transaction.on_commit(partial(broadcast.reply_posted, post.pk))
            _notify_about_reply(post=post, thread=locked_thread, quoted_post=quoted_post)
    except IntegrityError:
        existing = _already_submitted(submission_token)
        if existing is None:
            raise
        return existing
    return post


def publish_held_post(*, post: Post) -> Post:
    """Publish a post that waited for approval (moderation.actions.approve_post calls
    this, in its own transaction).

    An opening post publishes its thread, which then lists as freshly active; a reply
    takes its place in the thread (it keeps its id, so open pages find it through the
    catch-up's `approved_at`), the thread's starter is told and open pages receive it.
    Publishing a post that is already published changes nothing.
    """
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.status == PostStatus.PUBLISHED:
            return current
        if current.status not in (PostStatus.HELD, PostStatus.REJECTED):
            raise ActionRefused(_("This post is not waiting for approval."))
        thread = Thread.objects.select_for_update().get(pk=current.thread_id)
        now = timezone.now()
        current.status = PostStatus.PUBLISHED
        current.approved_at = now
        current.save(update_fields=["status", "approved_at"])
        opening = not Post.objects.filter(thread=thread, pk__lt=current.pk).exists()
        if opening:
            Thread.objects.filter(pk=thread.pk).update(
                status=ThreadStatus.PUBLISHED, last_posted_at=now
            )
        else:
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_posted_at=now
            )
            if not current.is_deleted:
                _notify_about_reply(post=current, thread=thread, quoted_post=None, at=now)
            transaction.on_commit(partial(fragments.forget_post, current.pk))
            transaction.on_commit(partial(broadcast.reply_posted, current.pk))
    return current


# A post in these states has no place in the thread: its changes are not broadcast.
UNPLACED = (PostStatus.HELD, PostStatus.REJECTED)


def edit_post(
    *, editor: Member, post: Post, body: str, warnings: Sequence[str] | None = None
) -> Post:
    """Replace a post's text, keeping the earlier version for its author and moderators.

    The new text is screened like a new post's ("block" words refuse it, "replace" words
    are replaced). A post that reports hid for the first time is shown again by its
    author's edit; a second hide only a moderator lifts.

    `warnings`: the post's content warnings from now on (None leaves them). Changing only
    the warnings keeps no earlier version and does not mark the post "edited".
    """
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.author_id != editor.pk:
            raise ActionRefused(_("Only the author can edit this post."))
        if current.is_deleted:
            raise ActionRefused(_("This post was deleted and cannot be edited."))
        if current.status == PostStatus.REMOVED:
            raise ActionRefused(_("A moderator removed this post, so it cannot be edited."))
        if current.status == PostStatus.REJECTED:
            raise ActionRefused(_("This post was not approved, so it cannot be edited."))
        _check_may_edit(editor)
        body = screening.screen_edit(author=editor, body=body)
        chosen = (
            current.content_warnings
            if warnings is None
            else content_warnings.normalise([*warnings, *current.moderator_warnings])
        )
        if current.body == body:
            if chosen != current.content_warnings:
                current.content_warnings = chosen
                current.save(update_fields=["content_warnings"])
                transaction.on_commit(partial(fragments.forget_post, current.pk))
                if current.status not in UNPLACED:
                    transaction.on_commit(partial(broadcast.post_changed, current.pk))
            return current
        current.content_warnings = chosen
        PostRevision.objects.create(
            post=current,
            body=current.body,
            html=current.html,
            written_at=current.edited_at or current.created_at,
        )
        current.body = body
        current.html = render_markdown(body)
        current.edited_at = timezone.now()
        changed = ["body", "html", "edited_at", "content_warnings"]
        if current.status == PostStatus.HIDDEN_FOR_REVIEW and current.auto_hides == 1:
            current.status = PostStatus.PUBLISHED
            changed.append("status")
        current.save(update_fields=changed)
        transaction.on_commit(partial(fragments.forget_post, current.pk))
        if current.status not in UNPLACED:
            transaction.on_commit(partial(broadcast.post_changed, current.pk))
    return current


def _check_may_edit(editor: Member) -> None:
    suspended_until = (
        Member.objects.filter(pk=editor.pk).values_list("suspended_until", flat=True).first()
    )
    editor.suspended_until = suspended_until
    ratelimits.refuse_if_suspended(editor)


def delete_post(*, member: Member, post: Post) -> Post:
    """Remove a post's words at its author's request; a tombstone keeps its place.

    The text and its earlier versions are erased, not hidden: the member asked for them
    to be gone. The tombstone still counts as a reply, so page numbers do not shift
    under readers.
    """
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.author_id != member.pk:
            raise ActionRefused(_("Only the author can delete this post."))
        if current.is_deleted:
            return current
        current.body = ""
        current.html = ""
        current.deleted_at = timezone.now()
        current.save(update_fields=["body", "html", "deleted_at"])
        current.revisions.all().delete()
        # Notifications about the post go with its words: unread counts that held it drop.
        told = (
            Notification.objects.filter(post=current)
            .unread()
            .values_list("recipient_id", flat=True)
        )
        for member_id in set(told):
            transaction.on_commit(partial(broadcast.notifications_changed, member_id))
        transaction.on_commit(partial(fragments.forget_post, current.pk))
        if current.status not in UNPLACED:
            transaction.on_commit(partial(broadcast.post_changed, current.pk))
    return current


def mark_notification_read(*, member: Member, notification: Notification) -> Notification:
    """A member follows one of their notifications: it is read from now on."""
    with transaction.atomic():
        if notification.recipient_id != member.pk:
            raise ActionRefused(_("That notification is not yours."))
        changed = Notification.objects.filter(
            pk=notification.pk, recipient=member, read_at__isnull=True
        ).update(read_at=timezone.now())
        if changed:
            transaction.on_commit(partial(broadcast.notifications_changed, member.pk))
    return notification


def mark_all_notifications_read(*, member: Member, through_id: int | None = None) -> int:
    """Mark the member's unread notifications read; returns how many there were.

    `through_id` is the newest notification the member's page showed: one that arrived
    after the page was drawn stays unread, since the member has not seen it.
    """
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=member).unread()
        if through_id is not None:
            unread = unread.filter(pk__lte=through_id)
        changed = unread.update(read_at=timezone.now())
        if changed:
            transaction.on_commit(partial(broadcast.notifications_changed, member.pk))
    return changed


def set_discreet_mode(*, member: Member, enabled: bool) -> None:
    """Turn discreet mode on or off: neutral tab titles and icon, no thread titles in the
    window title or the notifications list. Pages read it from the signed-in member, so
    the next page shows it; nothing is broadcast."""
    with transaction.atomic():
        member.discreet_mode = enabled
        member.save(update_fields=["discreet_mode"])


def set_content_warning_choices(*, member: Member, choices: Mapping[str, str]) -> None:
    """Save the member's choice for each content warning (show, collapse or hide). Thread
    pages hand it to the member's browser, which applies it; nothing is broadcast."""
    with transaction.atomic():
        member.content_warning_choices = content_warnings.reader_choices(choices)
        member.save(update_fields=["content_warning_choices"])


# --- Leaving: deleting an account (Settings › Your data) ---------------------------------

# The one shared account that kept posts of deleted accounts belong to. Its pseudonym has
# a space, which forum.pseudonyms refuses, so nobody can register it or sign in as it.
FORMER_MEMBER_PSEUDONYM = "former member"


def former_member() -> Member:
    """The shared "former member" account, made the first time an account is deleted:
    inactive, with no usable password and no recovery codes."""
    key = pseudonym_key(FORMER_MEMBER_PSEUDONYM)
    found = Member.objects.filter(pseudonym_key=key).first()
    if found is not None:
        return found
    placeholder = Member(
        pseudonym=FORMER_MEMBER_PSEUDONYM,
        pseudonym_key=key,
        is_active=False,
        trust_level=TrustLevel.NEW,
    )
    placeholder.set_unusable_password()
    try:
        with transaction.atomic():
            placeholder.save()
    except IntegrityError:
        # Another deletion made it at the same moment.
        return Member.objects.get(pseudonym_key=key)
    return placeholder


def _without_name(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(FORMER_MEMBER_PSEUDONYM, text)


def delete_account(*, member: Member, keep_posts: bool) -> None:
    """Delete an account for good, at its member's request (after their password).

    Gone either way: the pseudonym, recovery codes, preferences, sessions (the session
    store's and the sessions list's), notifications to the member, moderators' notices to
    them and the earlier versions of their posts. Their open sockets close after the
    commit; the view signs this browser out.

    `keep_posts`: the posts stay in their threads under the shared "former member" account
    (anonymous ones stay anonymous, under that account's alias), nothing linking them to
    the deleted one. Otherwise every post's words are erased as the author's own delete
    does, and the tombstones keep their place under "former member"; threads the member
    started keep other members' replies (the title gives way to a neutral one), and those
    nobody else posted in go entirely.

    Reports the member filed stay for the moderation history under "former member" (their
    notes go with the posts when the posts go). Wherever other members' words, thread
    titles or report notes name the pseudonym (a quote's "… wrote:"), the name becomes
    "former member". The moderation log is append-only: its labels name members by id
    only (moderation.actions.member_label), so it holds no pseudonym to remove.

    A moderator's account cannot be deleted here: the moderation log keeps who acted.
    """
    from django.apps import apps
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Model, ProtectedError

    # moderation's tables are reached by name (rule 8: forum imports none of its code).
    report_model = apps.get_model("moderation", "Report")
    review_item_model = apps.get_model("moderation", "ReviewItem")

    with transaction.atomic():
        current = Member.objects.select_for_update().get(pk=member.pk)
        if current.is_staff or current.is_superuser or current.is_moderator():
            raise ActionRefused(
                _(
                    "A moderator's account is part of the moderation record. Please ask an "
                    "administrator to end your moderator role first."
                )
            )
        placeholder = former_member()
        now = timezone.now()
        # A restore from backup replays the journal, so the account stays deleted.
        record_deletion(member=current, kept_posts=keep_posts, at=now)
        name = re.compile(rf"(?<!\w){re.escape(current.pseudonym)}(?!\w)", re.IGNORECASE)
        own_posts = Post.objects.filter(author=current)
        touched = set(own_posts.values_list("pk", flat=True))

        # Edit history of their posts goes in both cases.
        PostRevision.objects.filter(post__author=current).delete()
        _delete_journey_entries_of(current, keep_shared=keep_posts)
        if not keep_posts:
            # Threads nobody else posted in go entirely (with their posts' reports and
            # review items); the rest keep their shape with tombstones.
            alone = Thread.objects.filter(author=current).exclude(
                posts__in=Post.objects.exclude(author=current)
            )
            alone_posts = set(Post.objects.filter(thread__in=alone).values_list("pk", flat=True))
            alone.delete()
            touched -= alone_posts
            unread = Notification.objects.filter(post__author=current, read_at__isnull=True)
            told = set(unread.values_list("recipient_id", flat=True))
            for member_id in told - {current.pk}:
                transaction.on_commit(partial(broadcast.notifications_changed, member_id))
            own_posts.filter(deleted_at__isnull=True).update(body="", html="", deleted_at=now)
            Thread.objects.filter(author=current).update(title=_("A thread by a former member"))
            report_model.objects.filter(reporter=current).update(note="")
            review_item_model.objects.filter(post__author=current).update(appeal_text="")
        # Reports filed stay for the moderation history, as the placeholder's. Only one
        # open report per member per post: one the placeholder already holds stands for
        # this one too.
        report_model.objects.filter(
            reporter=current,
            status="open",
            post_id__in=report_model.objects.filter(reporter=placeholder, status="open").values(
                "post_id"
            ),
        ).delete()
        report_model.objects.filter(reporter=current).update(reporter=placeholder)
        own_posts.update(author=placeholder)
        Thread.objects.filter(author=current).update(author=placeholder)

        # Other places that name them: quotes and mentions in posts (and their earlier
        # versions), thread titles, report notes, Django's admin history.
        for post in Post.objects.filter(body__icontains=current.pseudonym).only("body"):
            post.body = _without_name(post.body, name)
            post.html = render_markdown(post.body)
            post.save(update_fields=["body", "html"])
            touched.add(post.pk)
        for entry in JourneyEntry.objects.filter(note__icontains=current.pseudonym).only("note"):
            entry.note = _without_name(entry.note, name)
            entry.html = render_markdown(entry.note)
            entry.save(update_fields=["note", "html"])
        for revision in PostRevision.objects.filter(body__icontains=current.pseudonym):
            revision.body = _without_name(revision.body, name)
            revision.html = render_markdown(revision.body)
            revision.save(update_fields=["body", "html"])
        plain_texts: list[tuple[type[Model], str]] = [
            (Thread, "title"),
            (report_model, "note"),
            (review_item_model, "appeal_text"),
            (apps.get_model("moderation", "Notice"), "reason"),
        ]
        for model, field in plain_texts:
            named = {f"{field}__icontains": current.pseudonym}
            for row in model._default_manager.filter(**named):
                setattr(row, field, _without_name(getattr(row, field), name))
                row.save(update_fields=[field])
        AdminLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Member), object_id=str(current.pk)
        ).update(object_repr=FORMER_MEMBER_PSEUDONYM, change_message="")

        _end_browser_sessions(current)
        # Their reactions and read states go with the account; open pages show the
        # lower counts.
        reacted_to = set(Reaction.objects.filter(member=current).values_list("post_id", flat=True))
        for post_id in sorted(reacted_to):
            transaction.on_commit(partial(broadcast.reactions_changed, post_id))
        try:
            with transaction.atomic():
                # Recovery codes, the sessions list, notifications and notices go with it.
                current.delete()
        except ProtectedError as error:
            raise ActionRefused(
                _(
                    "Your account took part in moderation, which the moderation log keeps. "
                    "Please ask an administrator to delete it."
                )
            ) from error
        for post_id in sorted(touched):
            transaction.on_commit(partial(fragments.forget_post, post_id))
        transaction.on_commit(partial(_announce_changed_posts, sorted(touched)))
        transaction.on_commit(partial(broadcast.close_member_sockets, member.pk))


def _announce_changed_posts(post_ids: list[int]) -> None:
    """Open thread pages show the posts as they are now (a tombstone, "former member")."""
    placed = Post.objects.filter(pk__in=post_ids, status__in=PLACED_POST_STATUSES)
    for post_id in placed.values_list("pk", flat=True):
        broadcast.post_changed(post_id)


# --- Mute, block, hide an anonymous author, perspective (Settings › People) --------------


def mute_thread(*, member: Member, thread: Thread) -> None:
    """The thread leaves the member's lists and tells them nothing more. Notifications
    they already had stay: what was told is not taken back. Muting twice is muting."""
    with transaction.atomic():
        ThreadMute.objects.get_or_create(member=member, thread=thread)


def unmute_thread(*, member: Member, thread: Thread) -> None:
    with transaction.atomic():
        ThreadMute.objects.filter(member=member, thread=thread).delete()


def mute_category(*, member: Member, category: Category) -> None:
    """The category's threads leave the member's lists and tell them nothing more."""
    with transaction.atomic():
        CategoryMute.objects.get_or_create(member=member, category=category)


def unmute_category(*, member: Member, category: Category) -> None:
    with transaction.atomic():
        CategoryMute.objects.filter(member=member, category=category).delete()


def block_member(*, member: Member, post: Post) -> Member:
    """Block the author of a named post: their named posts fold away for the member, and
    they stop notifying them. Nothing tells the blocked member. Returns whom.

    Only from a named post: an anonymous post's author is hidden even from this, so its
    refusal is the same whoever wrote it (hide_anonymous_author is offered instead)."""
    with transaction.atomic():
        current = Post.objects.select_related("author").get(pk=post.pk)
        if current.is_anonymous:
            raise ActionRefused(
                _("This post is anonymous. You can hide its author in this thread instead.")
            )
        if current.author_id == member.pk:
            raise ActionRefused(_("You cannot block yourself."))
        Block.objects.get_or_create(blocker=member, blocked=current.author)
    return current.author


def unblock_member(*, member: Member, blocked: Member) -> None:
    with transaction.atomic():
        Block.objects.filter(blocker=member, blocked=blocked).delete()


def hide_anonymous_author(*, member: Member, post: Post) -> None:
    """Hide the alias of an anonymous post in its thread: every post under that alias
    there folds away for the member and stops notifying them. The account behind it is
    stored to recognise its posts, and shown nowhere."""
    with transaction.atomic():
        current = Post.objects.get(pk=post.pk)
        if not current.is_anonymous:
            raise ActionRefused(_("This post is not anonymous. You can block its author."))
        if current.author_id == member.pk:
            raise ActionRefused(_("This is your own post."))
        HiddenAuthor.objects.get_or_create(
            member=member, thread_id=current.thread_id, author_id=current.author_id
        )


def show_anonymous_author(*, member: Member, hidden: HiddenAuthor) -> None:
    with transaction.atomic():
        HiddenAuthor.objects.filter(pk=hidden.pk, member=member).delete()


def set_perspective(*, member: Member, perspective: str) -> None:
    """How the member's named posts are framed from now on ("" for nothing). Their
    anonymous posts keep the label they were posted with, if any (_perspective_shown)."""
    if perspective and perspective not in Perspective.values:
        raise ActionRefused(_("Please choose one of the perspectives offered."))
    with transaction.atomic():
        member.perspective = perspective
        member.save(update_fields=["perspective"])
        named = list(Post.objects.public_of(member).values_list("pk", flat=True))
        transaction.on_commit(partial(_forget_posts, named))


def _forget_posts(post_ids: list[int]) -> None:
    for post_id in post_ids:
        fragments.forget_post(post_id)


# --- Reactions and reading ---------------------------------------------------------------


def _check_may_react(post: Post, member: Member) -> None:
    if post.author_id == member.pk:
        # Reactions are support given to someone else; on one's own post they would only
        # add to its counts.
        raise ActionRefused(_("Reactions are for other people's posts, so yours has none."))
    if post.is_deleted:
        raise ActionRefused(_("This post was deleted by its author, so it takes no reactions."))
    if post.status == PostStatus.REMOVED:
        raise ActionRefused(_("A moderator removed this post, so it takes no reactions."))
    if post.status == PostStatus.HIDDEN_FOR_REVIEW:
        raise ActionRefused(
            _("This post is hidden while moderators review it, so it takes no reactions for now.")
        )
    if post.status != PostStatus.PUBLISHED or post.thread.status != ThreadStatus.PUBLISHED:
        raise ActionRefused(_("This post is not published, so it takes no reactions."))


def toggle_reaction(*, member: Member, post: Post, kind: str) -> frozenset[str]:
    """Give one supportive reaction to a post, or take it back if the member already gave
    it; returns the kinds the member has given the post now.

    Only published posts of published threads take reactions, never the member's own. A
    locked thread still does: a hug adds no words to a conversation a moderator closed.
    Open thread pages receive the new counts (counts only, never who reacted).
    """
    if kind not in ReactionKind.values:
        raise ActionRefused(_("Please choose Hug, Me too, Thank you or Celebrate."))
    with transaction.atomic():
        # The post's row is locked: toggles on one post (a double click, two tabs) take
        # turns, and a moderator's removal cannot slip between the check and the write.
        current = (
            Post.objects.select_for_update(of=("self",))
            .select_related("thread", "author")
            .get(pk=post.pk)
        )
        _check_may_edit(member)
        _check_may_react(current, member)
        given = Reaction.objects.filter(member=member, post=current, kind=kind)
        if not given.delete()[0]:
            Reaction.objects.create(member=member, post=current, kind=kind)
            notify_about_reaction(post=current, reactor=member)
        transaction.on_commit(partial(broadcast.reactions_changed, current.pk))
        return frozenset(
            Reaction.objects.filter(member=member, post=current).values_list("kind", flat=True)
        )


def notify_about_reaction(*, post: Post, reactor: Member) -> None:
    """Tell a post's author, privately, that someone reacted to it: the one place where
    reactions notify, so rules about whom a member hears from (mute, block) belong here.

    Calm, not a stream: one notification per post, whatever the kinds and however many
    members react. While it is unread, later reactions add nothing; once read, the next
    reaction brings it back as new. The notification names neither the reactor nor the
    kind, and an anonymous post's author is told like anyone else: the notification and
    its live count go to the author alone.
    """
    if post.author_id == reactor.pk or not post.author.is_active:
        return
    # A reaction shows no name, so a block does not silence it; a mute does.
    wanted = people.notifiable_recipients(
        post=post, candidates=[post.author_id], actor_id=reactor.pk, actor_named=False
    )
    if not wanted:
        return
    now = timezone.now()
    existing = Notification.objects.filter(recipient_id=post.author_id, post=post).first()
    if existing is None:
        Notification.objects.create(
            recipient_id=post.author_id,
            kind=Notification.Kind.REACTED_TO_YOUR_POST,
            post=post,
            created_at=now,
        )
    elif existing.kind == Notification.Kind.REACTED_TO_YOUR_POST and existing.is_read:
        Notification.objects.filter(pk=existing.pk).update(read_at=None, created_at=now)
    else:
        return
    transaction.on_commit(partial(broadcast.notifications_changed, post.author_id))


def mark_thread_read(*, member: Member, thread: Thread, through: datetime.datetime) -> None:
    """The member loaded a page of the thread showing posts written (or approved) up to
    `through`: replies before then are read. Never moves back, so opening an earlier
    page keeps later ones read.

    One statement (an upsert taking the later of the two times), which is its own
    transaction: concurrent page loads cannot lose the later time, and a thread page
    costs one query for it.
    """
    table = ThreadReadState._meta.db_table
    later = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    sql = (
        f"INSERT INTO {table} (member_id, thread_id, seen_at) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (member_id, thread_id) DO UPDATE "
        f"SET seen_at = {later}({table}.seen_at, excluded.seen_at)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [member.pk, thread.pk, connection.ops.adapt_datetimefield_value(through)]
        )


def set_hide_reaction_counts(*, member: Member, hidden: bool) -> None:
    """Show or hide reaction counts for this member; their own reaction buttons stay."""
    with transaction.atomic():
        member.hide_reaction_counts = hidden
        member.save(update_fields=["hide_reaction_counts"])


# --- Following: notifications for followers ----------------------------------------------


def _opening_post_of(thread_id: int) -> Post:
    return (
        Post.objects.only("thread_id", "author_id", "is_anonymous")
        .filter(thread_id=thread_id)
        .earliest("id")
    )


def notify_followers(
    *,
    thread_id: int,
    author_id: int,
    post: Post | None = None,
    entry: JourneyEntry | None = None,
    already_told: set[int] | frozenset[int] = frozenset(),
    at: datetime.datetime | None = None,
) -> None:
    """Tell the followers of a thread about a new reply (`post`) or of a journey about a
    newly shared entry (`entry`), inside the caller's transaction.

    The one place follower notifications are made: never to the writer themselves
    (`author_id`), nor to anyone `already_told` for a more personal reason. A member is
    told at most once per reply or entry (an entry shared, made private and shared again
    does not notify twice). Each follower's header count updates after the commit.
    """
    followers = (
        set(
            Follow.objects.filter(thread_id=thread_id)
            .exclude(member_id=author_id)
            .values_list("member_id", flat=True)
        )
        - already_told
    )
    if not followers:
        return
    # Mutes, blocks and hidden authors apply as to any notification. An entry is the
    # journey's author writing in their thread, as its opening post is.
    about = post if post is not None else _opening_post_of(thread_id)
    followers &= people.notifiable_recipients(post=about, candidates=followers)
    if not followers:
        return
    kind = (
        Notification.Kind.ENTRY_IN_FOLLOWED_JOURNEY
        if entry is not None
        else Notification.Kind.REPLY_IN_FOLLOWED_THREAD
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=member_id,
                kind=kind,
                post=post,
                entry=entry,
                created_at=at or timezone.now(),
            )
            for member_id in sorted(followers)
        ],
        ignore_conflicts=True,
    )
    for member_id in sorted(followers):
        transaction.on_commit(partial(broadcast.notifications_changed, member_id))


def follow_thread(*, member: Member, thread: Thread) -> Follow:
    """Follow a thread or a journey: its new replies (and a journey's newly shared
    entries) notify the member. Following twice changes nothing."""
    with transaction.atomic():
        status = Thread.objects.values_list("status", flat=True).get(pk=thread.pk)
        if status != ThreadStatus.PUBLISHED:
            raise ActionRefused(_("This thread cannot be followed right now."))
        follow, _created = Follow.objects.get_or_create(member=member, thread_id=thread.pk)
    return follow


def unfollow_thread(*, member: Member, thread: Thread) -> None:
    """Stop following, at any time. Notifications already received stay."""
    with transaction.atomic():
        Follow.objects.filter(member=member, thread_id=thread.pk).delete()


# --- Saving posts (bookmarks) ---------------------------------------------------------------


def save_post(*, member: Member, post: Post) -> Bookmark:
    """Keep a post on the member's Saved page. Only a post they can read now is saved."""
    with transaction.atomic():
        current = Post.objects.select_related("thread").get(pk=post.pk)
        readable = (
            current.status in (PostStatus.PUBLISHED, PostStatus.HIDDEN_FOR_REVIEW)
            and not current.is_deleted
            and current.thread.status == ThreadStatus.PUBLISHED
        )
        if not readable:
            raise ActionRefused(_("This post can no longer be saved."))
        bookmark, _created = Bookmark.objects.get_or_create(member=member, post=current)
    return bookmark


def unsave_post(*, member: Member, post: Post) -> None:
    """Take a post off the Saved page."""
    with transaction.atomic():
        Bookmark.objects.filter(member=member, post_id=post.pk).delete()


def set_hides_others_numbers(*, member: Member, enabled: bool) -> None:
    """ "Hide other people's numbers": comfort ratings and the time between entries are
    left out of every journey the member reads but their own. Pages read it from the
    signed-in member; nothing is broadcast."""
    with transaction.atomic():
        member.hides_others_numbers = enabled
        member.save(update_fields=["hides_others_numbers"])


# --- Journeys ------------------------------------------------------------------------------

JOURNEY_CATEGORY_SLUG = "progress-stories"


def start_journey(
    *,
    author: Member,
    title: str,
    body: str,
    submission_token: uuid.UUID | None = None,
    publish_anyway: bool = False,
    anonymous: bool = False,
    warnings: Sequence[str] = (),
) -> Journey:
    """Begin a journey: a thread in "Progress stories" whose opening post says where the
    member starts, screened like any opening post. Sending the form twice begins it once.
    Entries are added afterwards (add_journey_entry)."""
    category = Category.objects.filter(slug=JOURNEY_CATEGORY_SLUG).first()
    if category is None:
        raise ActionRefused(_("Journeys are not open on this site at the moment."))
    with transaction.atomic():
        thread = start_thread(
            author=author,
            category=category,
            title=title,
            body=body,
            submission_token=submission_token,
            publish_anyway=publish_anyway,
            anonymous=anonymous,
            warnings=warnings,
        )
        journey, _created = Journey.objects.get_or_create(thread=thread)
    return journey


def _refresh_latest_shared(journey_id: int) -> None:
    latest = (
        JourneyEntry.objects.shared()
        .filter(journey_id=journey_id)
        .order_by("-happened_on")
        .values_list("happened_on", flat=True)
        .first()
    )
    Journey.objects.filter(pk=journey_id).update(latest_shared_on=latest)


def _announce_counts_of_entry(entry_id: int) -> None:
    """Inside the transaction, before an entry is deleted or made private: the members
    holding an unread notification about it see their count drop after the commit."""
    told = Notification.objects.filter(entry_id=entry_id).unread()
    for member_id in set(told.values_list("recipient_id", flat=True)):
        transaction.on_commit(partial(broadcast.notifications_changed, member_id))


def _own_open_journey(author: Member, journey_id: int) -> Thread:
    """The journey's thread, locked, after checking it is the author's and open."""
    thread = Thread.objects.select_for_update().get(pk=journey_id)
    if thread.author_id != author.pk:
        raise ActionRefused(_("Only the journey's author can write its entries."))
    if thread.status in (ThreadStatus.REMOVED, ThreadStatus.REJECTED):
        raise ActionRefused(_("This journey was removed, so it takes no new entries."))
    _check_may_edit(author)
    return thread


def _checked_entry_fields(
    *,
    author: Member,
    happened_on: datetime.date,
    milestone: str,
    dilator_size: str,
    comfort: int | None,
    shares_comfort: bool,
    note: str,
    is_shared: bool,
) -> dict[str, object]:
    if milestone and milestone not in Milestone.values:
        raise ActionRefused(_("Please choose a milestone from the list."))
    if comfort is not None and not 0 <= comfort <= COMFORT_MAX:
        raise ActionRefused(_("A comfort rating goes from 0 to 10."))
    # Entries may be dated a day ahead: the member's own day may already be tomorrow's.
    if happened_on > timezone.localdate() + datetime.timedelta(days=1):
        raise ActionRefused(_("An entry's date cannot be in the future."))
    if not (note.strip() or milestone or comfort is not None):
        raise ActionRefused(_("Please add a note, a milestone or a comfort rating."))
    if is_shared and note:
        # Shared words meet the watched words like a post's; private notes are the
        # member's own and are not read by anyone.
        note = screening.screen_edit(author=author, body=note)
    return {
        "happened_on": happened_on,
        "milestone": milestone,
        "dilator_size": dilator_size.strip() if milestone == Milestone.MOVED_UP_A_SIZE else "",
        "comfort": comfort,
        "shares_comfort": shares_comfort and comfort is not None,
        "note": note,
        "html": render_markdown(note) if note.strip() else "",
        "is_shared": is_shared,
    }


def add_journey_entry(
    *,
    author: Member,
    journey: Journey,
    happened_on: datetime.date,
    milestone: str = "",
    dilator_size: str = "",
    comfort: int | None = None,
    shares_comfort: bool = False,
    note: str = "",
    is_shared: bool = False,
    submission_token: uuid.UUID | None = None,
) -> JourneyEntry:
    """Add an entry to the author's own journey. Private unless `is_shared`; a rating is
    shown to others only with `shares_comfort`. A shared entry notifies the journey's
    followers (never about a private one). Sending the same form twice adds it once."""
    if submission_token is not None:
        existing = JourneyEntry.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            thread = _own_open_journey(author, journey.pk)
            fields = _checked_entry_fields(
                author=author,
                happened_on=happened_on,
                milestone=milestone,
                dilator_size=dilator_size,
                comfort=comfort,
                shares_comfort=shares_comfort,
                note=note,
                is_shared=is_shared,
            )
            entry = JourneyEntry.objects.create(
                journey_id=journey.pk, submission_token=submission_token, **fields
            )
            if entry.is_shared:
                _refresh_latest_shared(journey.pk)
                notify_followers(thread_id=thread.pk, author_id=author.pk, entry=entry)
    except IntegrityError:
        existing = JourneyEntry.objects.filter(submission_token=submission_token).first()
        if existing is None or submission_token is None:
            raise
        return existing
    return entry


def edit_journey_entry(
    *,
    author: Member,
    entry: JourneyEntry,
    happened_on: datetime.date,
    milestone: str = "",
    dilator_size: str = "",
    comfort: int | None = None,
    shares_comfort: bool = False,
    note: str = "",
    is_shared: bool = False,
) -> JourneyEntry:
    """Change an entry. Sharing a private one notifies followers as a new entry would;
    making a shared one private takes it (and its notifications) out of everyone's view."""
    with transaction.atomic():
        thread = _own_open_journey(author, entry.journey_id)
        current = JourneyEntry.objects.select_for_update().get(pk=entry.pk)
        was_shared = current.is_shared
        fields = _checked_entry_fields(
            author=author,
            happened_on=happened_on,
            milestone=milestone,
            dilator_size=dilator_size,
            comfort=comfort,
            shares_comfort=shares_comfort,
            note=note,
            is_shared=is_shared,
        )
        for name, value in fields.items():
            setattr(current, name, value)
        current.edited_at = timezone.now()
        current.save()
        _refresh_latest_shared(current.journey_id)
        if current.is_shared and not was_shared:
            notify_followers(thread_id=thread.pk, author_id=author.pk, entry=current)
        elif was_shared and not current.is_shared:
            _announce_counts_of_entry(current.pk)
    return current


def delete_journey_entry(*, author: Member, entry: JourneyEntry) -> None:
    """Delete an entry for good, at its author's request. Its notifications go with it."""
    with transaction.atomic():
        _own_open_journey(author, entry.journey_id)
        _announce_counts_of_entry(entry.pk)
        JourneyEntry.objects.filter(pk=entry.pk).delete()
        _refresh_latest_shared(entry.journey_id)


def _delete_journey_entries_of(member: Member, *, keep_shared: bool) -> None:
    """Account deletion: private entries always go; shared ones stay (under "former
    member", with the journey's thread) only when the member keeps their posts."""
    entries = JourneyEntry.objects.filter(journey__thread__author=member)
    if keep_shared:
        entries = entries.filter(is_shared=False)
    told = Notification.objects.filter(entry__in=entries).unread()
    for member_id in set(told.values_list("recipient_id", flat=True)):
        transaction.on_commit(partial(broadcast.notifications_changed, member_id))
    entries.delete()
    for journey_id in Journey.objects.filter(thread__author=member).values_list("pk", flat=True):
        _refresh_latest_shared(journey_id)
