"""Reading and writing threads. Each view parses, authorises, calls one action, responds."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from forum import actions, aliases, catch_up, people
from forum.content_warnings import reader_choices_json
from forum.exceptions import ActionRefused, NeedsConfirmation
from forum.forms import EditPostForm, ReplyForm, ThreadForm
from forum.fragments import posts_for_viewer
from forum.guidelines import Guideline, guideline_url
from forum.journeys_views import journey_context
from forum.markup import render_markdown
from forum.models import (
    PLACED_POST_STATUSES,
    Category,
    Member,
    Perspective,
    Post,
    PostStatus,
    Thread,
    ThreadStatus,
)
from forum.reactions import block_for_live_replies, with_reactions


class KnownLengthPosts:
    """A thread's posts for the paginator, counted from the thread's own reply count
    instead of a COUNT query on every page view."""

    def __init__(self, thread: Thread) -> None:
        self.thread = thread

    def count(self) -> int:
        return self.thread.reply_count + 1

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Post]:
        return list(self.thread.posts.placed().in_reading_order()[window])


def _readable_thread(request: HttpRequest, thread_id: int) -> Thread:
    """A thread open for replies: published and readable by the member."""
    return get_object_or_404(
        Thread.objects.readable_by(request.user).listed().select_related("category"),
        pk=thread_id,
    )


def moderates(request: HttpRequest) -> bool:
    """Whether the viewer is a moderator who confirmed their second factor this session.

    Asked first of the session (no query for members), then of the permissions."""
    user = request.user
    if not user.is_authenticated:
        return False
    cached: bool | None = getattr(request, "_ownpace_moderates", None)
    if cached is None:
        is_verified = getattr(user, "is_verified", None)
        cached = bool(is_verified and is_verified() and user.is_moderator())
        request._ownpace_moderates = cached  # type: ignore[attr-defined]
    return cached


def _login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")


def _preview(form: ReplyForm | ThreadForm | EditPostForm, request: HttpRequest) -> Post | None:
    """An unsaved post showing exactly what would be published, when Preview was pressed."""
    if "preview" not in request.POST or not form.is_valid():
        return None
    body = form.cleaned_data["body"]
    # The preview names the chosen content warnings above the text, as readers see them.
    return Post(
        body=body,
        html=render_markdown(body),
        content_warnings=form.cleaned_data.get("content_warnings") or [],
    )


def home(request: HttpRequest) -> HttpResponse:
    # Muted categories stay reachable, listed apart after the others (same query).
    listed = Category.objects.readable_by(request.user).with_activity().with_mute_of(request.user)
    if isinstance(request.user, Member):
        listed = listed.with_new_replies_for(request.user)
    categories = list(listed)
    return render(
        request,
        "forum/home.html",
        {
            "categories": [shown for shown in categories if not shown.is_muted],
            "muted_categories": [shown for shown in categories if shown.is_muted],
        },
    )


# Partners find each other here: its page can list only threads partners started.
PARTNER_CATEGORY_SLUG = "partner-involvement"


def category(request: HttpRequest, slug: str, started_by_partners: bool = False) -> HttpResponse:
    shown = get_object_or_404(Category.objects.with_mute_of(request.user), slug=slug)
    if not shown.is_public and not request.user.is_authenticated:
        return _login_redirect(request)
    offers_partner_filter = shown.slug == PARTNER_CATEGORY_SLUG
    if started_by_partners and not offers_partner_filter:
        raise Http404
    # A muted category's own page still lists its threads: the member came to it.
    listed = Thread.objects.filter(category=shown).listed().without_muted_threads(request.user)
    if started_by_partners:
        listed = listed.started_with_perspective(Perspective.PARTNER)
    listed = listed.for_listing()
    if isinstance(request.user, Member):
        listed = listed.with_new_replies_for(request.user)
    threads = Paginator(listed, settings.THREADS_PER_PAGE)
    page = threads.get_page(request.GET.get("page"))
    return render(
        request,
        "forum/category.html",
        {
            "category": shown,
            "page": page,
            "offers_partner_filter": offers_partner_filter,
            "started_by_partners": started_by_partners,
        },
    )


def _removed_thread(request: HttpRequest, shown: Thread) -> HttpResponse:
    """Where a removed thread was: a page saying so (410 Gone), naming the guideline."""
    guideline = Guideline(shown.removal_guideline) if shown.removal_guideline else None
    return render(
        request,
        "forum/thread_removed.html",
        {
            "thread": shown,
            "guideline": guideline,
            "guideline_url": guideline_url(guideline) if guideline else "",
        },
        status=410,
    )


def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    shown = get_object_or_404(
        # The journey (when the thread is one), whether the viewer follows it and whether
        # they muted it come with the thread, in the same query.
        Thread.objects.select_related("category", "journey")
        .with_followed_by(request.user)
        .with_mute_of(request.user),
        pk=thread_id,
    )
    if not shown.category.is_public and not request.user.is_authenticated:
        return _login_redirect(request)
    if shown.status == ThreadStatus.REMOVED:
        return _removed_thread(request, shown)
    viewer = request.user
    is_starter = viewer.is_authenticated and shown.author_id == viewer.pk
    moderator = moderates(request)
    if shown.status != ThreadStatus.PUBLISHED and not (is_starter or moderator):
        raise Http404
    page: Page[Post] = Paginator(
        KnownLengthPosts(shown),  # type: ignore[arg-type]
        settings.POSTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    seen = people.SeenBy.of(viewer, shown)
    page_posts = list(page.object_list)
    csrf_token = get_token(request) if isinstance(viewer, Member) else ""
    context: dict[str, Any] = {
        "thread": shown,
        "page": page,
        "posts": with_reactions(
            posts_for_viewer(page_posts, viewer, moderates=moderator, seen=seen),
            page_posts,
            viewer,
            csrf_token=csrf_token,
        ),
        "seen": seen,
        "reactions_for_live_replies": block_for_live_replies(viewer, csrf_token=csrf_token),
        "is_live": shown.status == ThreadStatus.PUBLISHED,
        # The reader's content-warning choices, applied by their browser to the shared
        # fragments (visitors: collapse for every warning). From the signed-in member's
        # row already loaded: no query.
        "content_warning_choices": reader_choices_json(
            viewer.content_warning_choices if isinstance(viewer, Member) else None
        ),
    }
    if isinstance(viewer, Member) and shown.status == ThreadStatus.PUBLISHED and page_posts:
        actions.mark_thread_read(member=viewer, thread=shown, through=_read_through(page, shown))
    if isinstance(viewer, Member):
        # The member's own posts here that wait for approval: only they see them.
        context["held_posts"] = list(shown.posts.waiting_by(viewer))
        if (
            shown.status == ThreadStatus.PUBLISHED
            and not shown.is_locked
            and not viewer.is_suspended
        ):
            context["form"] = ReplyForm(thread=shown)
    if moderator:
        context["moderate_thread_url"] = reverse("moderation:thread", args=[shown.pk])
    context.update(journey_context(request, shown, first_page=page.number == 1))
    return render(request, "forum/thread.html", context)


def _read_through(page: Page[Post], shown: Thread) -> datetime.datetime:
    """How far a member has read once this page loaded: on the last page, everything
    posted or approved (the thread's last_posted_at); earlier, the newest post shown.
    Replies that arrive live on an open page count once shown on screen (unread.js and
    forum.reactions_views.mark_read), or without JavaScript at the next page load."""
    if not page.has_next():
        return shown.last_posted_at
    return max(post.created_at for post in page.object_list)


def post(request: HttpRequest, post_id: int) -> HttpResponse:
    """A post's permanent address: the page of its thread where it stands."""
    target = get_object_or_404(Post.objects.select_related("thread__category"), pk=post_id)
    shown = target.thread
    if not shown.category.is_public and not request.user.is_authenticated:
        return _login_redirect(request)
    if shown.status == ThreadStatus.REMOVED:
        return redirect(shown)
    is_author = request.user.is_authenticated and target.author_id == request.user.pk
    if target.status == PostStatus.HELD and is_author and not target.is_deleted:
        return redirect(f"{shown.get_absolute_url()}#held-posts")
    placed = target.status in PLACED_POST_STATUSES
    if not placed or shown.status != ThreadStatus.PUBLISHED:
        if moderates(request):
            return redirect("moderation:post", target.pk)
        if not (placed and is_author and shown.author_id == target.author_id):
            raise Http404
    earlier = Post.objects.placed().filter(thread_id=target.thread_id, id__lt=target.pk).count()
    number = earlier // settings.POSTS_PER_PAGE + 1
    suffix = f"?page={number}" if number > 1 else ""
    return redirect(f"{shown.get_absolute_url()}{suffix}#post-{target.pk}")


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and re.fullmatch(r"[0-9]{1,18}", raw) else None


MY_POSTS_PER_PAGE = 30


@login_required
def my_posts(request: HttpRequest) -> HttpResponse:
    """The member's own posts, anonymous ones included and marked so: only they see
    this page, and nothing else lists their anonymous posts under their account."""
    viewer = request.user
    assert isinstance(viewer, Member)
    page = Paginator(Post.objects.by_author(viewer), MY_POSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    aliases.assign(page.object_list)
    return render(request, "forum/my_posts.html", {"page": page})


def _held_message(request: HttpRequest) -> None:
    messages.info(
        request,
        _(
            "Thank you. Your post is waiting for a moderator's approval; it appears for "
            "everyone once approved. Only you can see it until then."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_thread(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        category_id = _int_or_none(request.POST.get("category"))
        chosen = Category.objects.filter(pk=category_id).first() if category_id else None
        form = ThreadForm(request.POST, category=chosen)
        preview = _preview(form, request)
        if preview is None and form.is_valid():
            try:
                started = actions.start_thread(
                    author=request.user,  # type: ignore[arg-type]
                    category=form.cleaned_data["category"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    submission_token=form.token(),
                    publish_anyway=form.publish_anyway_chosen(),
                    anonymous=form.anonymous_chosen(),
                    warnings=form.cleaned_data["content_warnings"],
                    show_perspective=form.perspective_chosen(),
                )
            except NeedsConfirmation as warning:
                form.ask_to_confirm(str(warning))
            except ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                if started.status == ThreadStatus.HELD:
                    _held_message(request)
                return redirect(started)
    else:
        preview = None
        chosen = Category.objects.filter(slug=request.GET.get("category", "")).first()
        form = ThreadForm(initial={"category": chosen} if chosen else None, category=chosen)
    preview_title = form.cleaned_data.get("title") if preview else None
    return render(
        request,
        "forum/new_thread.html",
        {"form": form, "preview": preview, "preview_title": preview_title},
    )


def _quoted_post(thread: Thread, raw_id: str) -> Post | None:
    """The post named by ?quote=, if it is a live post of this thread; None for anything else."""
    if not re.fullmatch(r"[0-9]{1,18}", raw_id):
        return None
    return (
        Post.objects.select_related("author", "thread")
        .filter(thread=thread, pk=int(raw_id), deleted_at__isnull=True, status=PostStatus.PUBLISHED)
        .first()
    )


def _quote(source: Post) -> str:
    quoted = "\n".join(f"> {line}" if line else ">" for line in source.body.splitlines())
    # An anonymous post is quoted under its alias: the quote must not unmask it.
    name = aliases.post_alias(source) if source.is_anonymous else source.author.pseudonym
    attribution = _("%(pseudonym)s wrote:") % {"pseudonym": name}
    return f"> **{attribution}**\n>\n{quoted}\n\n"


@login_required
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    shown = _readable_thread(request, thread_id)
    if request.method == "POST":
        form = ReplyForm(request.POST, thread=shown)
        preview = _preview(form, request)
        if preview is None and form.is_valid() and not shown.is_locked:
            try:
                posted = actions.post_reply(
                    author=request.user,  # type: ignore[arg-type]
                    thread=shown,
                    body=form.cleaned_data["body"],
                    submission_token=form.token(),
                    quoted_post=form.cleaned_data["quote"],
                    publish_anyway=form.publish_anyway_chosen(),
                    anonymous=form.anonymous_chosen(),
                    warnings=form.cleaned_data["content_warnings"],
                    show_perspective=form.perspective_chosen(),
                )
            except NeedsConfirmation as warning:
                form.ask_to_confirm(str(warning))
            except ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                if posted.status == PostStatus.HELD:
                    _held_message(request)
                return redirect(posted)
    else:
        preview = None
        quoted = _quoted_post(shown, request.GET.get("quote", ""))
        form = ReplyForm(
            thread=shown, initial={"body": _quote(quoted), "quote": quoted.pk} if quoted else None
        )
    return render(request, "forum/reply.html", {"thread": shown, "form": form, "preview": preview})


def _own_post(request: HttpRequest, post_id: int) -> Post:
    target = get_object_or_404(Post.objects.select_related("thread", "author"), pk=post_id)
    if target.author_id != request.user.pk:
        raise PermissionDenied
    if target.is_deleted:
        raise Http404
    return target


@login_required
@require_http_methods(["GET", "POST"])
def edit_post(request: HttpRequest, post_id: int) -> HttpResponse:
    target = _own_post(request, post_id)
    if request.method == "POST":
        form = EditPostForm(request.POST, moderator_warnings=target.moderator_warnings)
        preview = _preview(form, request)
        if preview is None and form.is_valid():
            try:
                actions.edit_post(
                    editor=request.user,  # type: ignore[arg-type]
                    post=target,
                    body=form.cleaned_data["body"],
                    warnings=form.cleaned_data["content_warnings"],
                )
            except ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect(target)
    else:
        preview = None
        form = EditPostForm(
            initial={"body": target.body, "content_warnings": target.content_warnings},
            moderator_warnings=target.moderator_warnings,
        )
    return render(
        request, "forum/edit_post.html", {"post": target, "form": form, "preview": preview}
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_post(request: HttpRequest, post_id: int) -> HttpResponse:
    target = _own_post(request, post_id)
    if request.method == "POST":
        actions.delete_post(member=request.user, post=target)  # type: ignore[arg-type]
        return redirect(target)
    return render(request, "forum/delete_post.html", {"post": target})


@login_required
def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    target = get_object_or_404(Post.objects.select_related("thread", "author"), pk=post_id)
    viewer = request.user
    assert isinstance(viewer, Member)
    if target.author_id != viewer.pk and not viewer.may_read_post_history():
        raise PermissionDenied
    return render(
        request,
        "forum/post_history.html",
        {"post": target, "revisions": target.revisions.all()},
    )


def posts_after(request: HttpRequest, thread_id: int) -> JsonResponse:
    """The posts a live page missed while its socket was down: those after ?after=<id>.

    Read over plain HTTP on every (re)connect, so a dropped socket loses nothing.
    """
    shown = get_object_or_404(Thread.objects.listed().select_related("category"), pk=thread_id)
    if not shown.category.is_public and not request.user.is_authenticated:
        raise PermissionDenied
    after = request.GET.get("after", "")
    if not re.fullmatch(r"[0-9]{1,18}", after):
        return JsonResponse({"error": "after must be a post id"}, status=400)
    return JsonResponse(catch_up.posts_after(shown, int(after)))


# --- Error pages, in the site's style ---------------------------------------------------


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: whatever failed (the session, the database) must not
    # be touched again by the page that apologises for it.
    return HttpResponseServerError(render_to_string("500.html"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form that lost its security token. The text the member wrote is handed back."""
    kept = {
        field: request.POST.get(field, "")
        for field in ("title", "body")
        if request.POST.get(field, "").strip()
    }
    return render(request, "403_csrf.html", {"kept": kept}, status=403)
