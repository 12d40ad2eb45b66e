"""Mute, block, hide an anonymous author, and perspective: Settings › People and the
buttons on thread, category and post. Each view parses, authorises, calls one action,
responds.

Block and hide-author start from a post's own controls and ask once more on a page of
their own (as deleting a post does): a plain link is all the per-viewer controls beside
the shared fragment need, and the member sees what will happen before it does.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from forum import actions, aliases, people
from forum.exceptions import ActionRefused
from forum.forms import PerspectiveForm
from forum.models import (
    Block,
    Category,
    CategoryMute,
    HiddenAuthor,
    Member,
    Post,
    PostStatus,
    Thread,
    ThreadMute,
    ThreadStatus,
)

# The value of the hidden "back" field on Settings › People's buttons: they return there
# instead of to the thread or category.
BACK_TO_SETTINGS = "settings"


def _member(request: HttpRequest) -> Member:
    viewer = request.user
    assert isinstance(viewer, Member)
    return viewer


def _back(request: HttpRequest, fallback: Thread | Category) -> HttpResponseRedirect:
    if request.POST.get("back") == BACK_TO_SETTINGS:
        return redirect("forum:people_settings")
    return redirect(fallback)


@login_required
@require_POST
def mute_thread(request: HttpRequest, thread_id: int) -> HttpResponseRedirect:
    shown = get_object_or_404(Thread.objects.readable_by(request.user), pk=thread_id)
    actions.mute_thread(member=_member(request), thread=shown)
    messages.success(
        request, _("Thread muted: it leaves your lists and sends you no notifications.")
    )
    return _back(request, shown)


@login_required
@require_POST
def unmute_thread(request: HttpRequest, thread_id: int) -> HttpResponseRedirect:
    shown = get_object_or_404(Thread.objects.readable_by(request.user), pk=thread_id)
    actions.unmute_thread(member=_member(request), thread=shown)
    messages.success(request, _("Thread unmuted."))
    return _back(request, shown)


@login_required
@require_POST
def mute_category(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    shown = get_object_or_404(Category, slug=slug)
    actions.mute_category(member=_member(request), category=shown)
    messages.success(
        request,
        _("Category muted: its threads leave your lists and send you no notifications."),
    )
    return _back(request, shown)


@login_required
@require_POST
def unmute_category(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    shown = get_object_or_404(Category, slug=slug)
    actions.unmute_category(member=_member(request), category=shown)
    messages.success(request, _("Category unmuted."))
    return _back(request, shown)


def _post_in_view(request: HttpRequest, post_id: int) -> Post:
    """A published post, not deleted, in a published thread the member may read."""
    return get_object_or_404(
        Post.objects.select_related("author", "thread__category").filter(
            status=PostStatus.PUBLISHED,
            deleted_at__isnull=True,
            thread__status=ThreadStatus.PUBLISHED,
            thread__in=Thread.objects.readable_by(request.user),
        ),
        pk=post_id,
    )


@login_required
@require_http_methods(["GET", "POST"])
def block_member(request: HttpRequest, post_id: int) -> HttpResponse:
    """Block the author of a named post, after asking once. An anonymous post gets the
    same answer whoever wrote it: its author cannot be blocked, only hidden."""
    target = _post_in_view(request, post_id)
    if target.is_anonymous or target.author_id == request.user.pk:
        raise Http404
    if request.method == "POST":
        try:
            blocked = actions.block_member(member=_member(request), post=target)
        except ActionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("You blocked %(pseudonym)s. They are not told.")
                % {"pseudonym": blocked.pseudonym},
            )
        return redirect(target)
    return render(request, "forum/block_member.html", {"post": target})


@login_required
@require_http_methods(["GET", "POST"])
def hide_anonymous_author(request: HttpRequest, post_id: int) -> HttpResponse:
    """Hide an anonymous post's alias in its thread, after asking once. The page names
    the alias only."""
    target = _post_in_view(request, post_id)
    if not target.is_anonymous or target.author_id == request.user.pk:
        raise Http404
    alias = aliases.post_alias(target)
    if request.method == "POST":
        actions.hide_anonymous_author(member=_member(request), post=target)
        messages.success(
            request, _("%(alias)s is hidden for you in this thread.") % {"alias": alias}
        )
        return redirect(target)
    return render(request, "forum/hide_author.html", {"post": target, "alias": alias})


@login_required
@require_POST
def unblock_member(request: HttpRequest, block_id: int) -> HttpResponseRedirect:
    block = get_object_or_404(
        Block.objects.select_related("blocked"), pk=block_id, blocker=request.user
    )
    actions.unblock_member(member=_member(request), blocked=block.blocked)
    messages.success(request, _("You unblocked %(pseudonym)s.") % {"pseudonym": block.blocked})
    return redirect("forum:people_settings")


@login_required
@require_POST
def show_anonymous_author(request: HttpRequest, hidden_id: int) -> HttpResponseRedirect:
    hidden = get_object_or_404(HiddenAuthor, pk=hidden_id, member=request.user)
    actions.show_anonymous_author(member=_member(request), hidden=hidden)
    messages.success(request, _("That author is shown again in that thread."))
    return redirect("forum:people_settings")


def _people_page(
    request: HttpRequest, *, form: PerspectiveForm | None = None, status: int = 200
) -> HttpResponse:
    member = _member(request)
    context = {
        "perspective_form": form or PerspectiveForm(initial={"perspective": member.perspective}),
        "muted_threads": ThreadMute.objects.filter(member=member)
        .select_related("thread")
        .only("thread__title")
        .order_by("thread__title", "id"),
        "muted_categories": CategoryMute.objects.filter(member=member)
        .select_related("category")
        .only("category__name", "category__slug")
        .order_by("category__position", "category__name"),
        "blocks": Block.objects.filter(blocker=member)
        .select_related("blocked")
        .only("blocked__pseudonym")
        .order_by("blocked__pseudonym"),
        "hidden_authors": people.hidden_authors_listed(member),
        "back": BACK_TO_SETTINGS,
    }
    return render(request, "accounts/people.html", context, status=status)


@login_required
def people_settings(request: HttpRequest) -> HttpResponse:
    """Settings › People: the member's perspective, and what they muted, blocked or hid,
    each with a button to undo it."""
    return _people_page(request)


@login_required
@require_POST
def update_perspective(request: HttpRequest) -> HttpResponse:
    form = PerspectiveForm(request.POST)
    if not form.is_valid():
        return _people_page(request, form=form, status=400)
    actions.set_perspective(member=_member(request), perspective=form.cleaned_data["perspective"])
    messages.success(request, _("Your perspective is saved."))
    return redirect("forum:people_settings")
