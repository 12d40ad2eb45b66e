"""Following threads and journeys, saving posts, and the Saved page. Each view parses,
authorises, calls one action, responds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import actions, aliases
from forum.exceptions import ActionRefused
from forum.models import Bookmark, Member, Post, PostStatus, Thread, ThreadStatus

SAVED_PER_PAGE = 30


def _member(request: HttpRequest) -> Member:
    viewer = request.user
    assert isinstance(viewer, Member)
    return viewer


def _back_to(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back where the button was (a same-site `next`), or to `fallback`."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(wanted)
    return redirect(fallback)


def _followable(thread_id: int) -> Thread:
    return get_object_or_404(Thread.objects.listed(), pk=thread_id)


@login_required
@require_POST
def follow(request: HttpRequest, thread_id: int) -> HttpResponseRedirect:
    shown = _followable(thread_id)
    try:
        actions.follow_thread(member=_member(request), thread=shown)
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("You follow this now: new replies and shared entries appear in your notifications."),
        )
    return _back_to(request, shown.get_absolute_url())


@login_required
@require_POST
def unfollow(request: HttpRequest, thread_id: int) -> HttpResponseRedirect:
    shown = get_object_or_404(Thread, pk=thread_id)
    actions.unfollow_thread(member=_member(request), thread=shown)
    messages.success(request, _("You no longer follow this."))
    return _back_to(request, shown.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def save_post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Save a post for later or take it off the Saved page. The post's shared fragment
    links here (it is the same for every reader, so it cannot say whether this reader
    saved it); this page says so and holds the button. A post gone from view can still be
    taken off the Saved page, never saved anew (actions.save_post refuses it)."""
    target = get_object_or_404(Post.objects.select_related("thread"), pk=post_id)
    member = _member(request)
    if request.method == "POST":
        try:
            if request.POST.get("saved") == "1":
                actions.save_post(member=member, post=target)
                messages.success(request, _("Saved. You find it on your Saved page."))
            else:
                actions.unsave_post(member=member, post=target)
                messages.success(request, _("Taken off your Saved page."))
        except ActionRefused as refusal:
            messages.error(request, str(refusal))
        return _back_to(request, target.get_absolute_url())
    readable = (
        target.status in (PostStatus.PUBLISHED, PostStatus.HIDDEN_FOR_REVIEW)
        and not target.is_deleted
        and target.thread.status == ThreadStatus.PUBLISHED
    )
    if not readable:
        raise Http404
    is_saved = Bookmark.objects.filter(member=member, post=target).exists()
    return render(request, "forum/save_post.html", {"post": target, "is_saved": is_saved})


@login_required
def saved(request: HttpRequest) -> HttpResponse:
    """The member's saved posts. A post gone since (deleted, removed, or its thread
    no longer shown) stays listed as such, so nothing silently disappears; its words are
    not shown."""
    page = Paginator(Bookmark.objects.saved_by(_member(request)), SAVED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    aliases.assign([bookmark.post for bookmark in page.object_list])
    return render(request, "forum/saved.html", {"page": page})


@never_cache
@require_GET
def saved_in_thread(request: HttpRequest, thread_id: int) -> JsonResponse:
    """Which posts of a thread the member saved: the thread page's script marks their
    Save links from it. Asked over HTTP by that reader's own browser, so the shared post
    fragments stay the same for everyone."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "sign in first"}, status=403)
    saved_ids = Bookmark.objects.filter(member=_member(request), post__thread_id=thread_id)
    return JsonResponse({"post_ids": sorted(saved_ids.values_list("post_id", flat=True))})
