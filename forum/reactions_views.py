"""Reactions and unread tracking. Each view parses, authorises, calls one action, responds."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from forum import actions
from forum.exceptions import ActionRefused
from forum.models import Member, Post, ReactionKind, Thread, ThreadReadState
from forum.reactions import post_counts_html


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=ReactionKind.choices,
        error_messages={
            "required": gettext_lazy("Please choose Hug, Me too, Thank you or Celebrate."),
            "invalid_choice": gettext_lazy("Please choose Hug, Me too, Thank you or Celebrate."),
        },
    )


class ReactionCountsPreferenceForm(forms.Form):
    hide_reaction_counts = forms.BooleanField(required=False)


def _member(request: HttpRequest) -> Member:
    viewer = request.user
    assert isinstance(viewer, Member)
    return viewer


def _wants_json(request: HttpRequest) -> bool:
    # reactions.js asks for JSON; a plain form post gets a redirect back to the post.
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def react(request: HttpRequest, post_id: int) -> HttpResponse:
    """Give or take back one reaction (the button's `kind`), then back to the post; for
    a script, the post's shared counts and the kinds the member has given it now."""
    member = _member(request)
    target = get_object_or_404(Post.objects.only("pk", "thread_id"), pk=post_id)
    form = ReactionForm(request.POST)
    refusal = ""
    mine: frozenset[str] = frozenset()
    if not form.is_valid():
        refusal = str(form.errors["kind"][0])
    else:
        try:
            mine = actions.toggle_reaction(
                member=member, post=target, kind=form.cleaned_data["kind"]
            )
        except ActionRefused as refused:
            refusal = str(refused)
    if _wants_json(request):
        if refusal:
            return JsonResponse({"error": refusal}, status=400)
        return JsonResponse(
            {
                "post_id": target.pk,
                "mine": sorted(mine),
                "html": "" if member.hide_reaction_counts else post_counts_html(target.pk),
            }
        )
    if refusal:
        messages.error(request, refusal)
    return redirect(target)


@require_GET
def first_unread(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Where lists send a member into a thread: the page and anchor of the first reply
    they have not seen. A thread never opened starts at the beginning; one with nothing
    new opens at its latest post, where they left off."""
    shown = get_object_or_404(Thread.objects.readable_by(request.user).listed(), pk=thread_id)
    if not isinstance(request.user, Member):
        return redirect(shown)
    seen_at = (
        ThreadReadState.objects.filter(member=request.user, thread=shown)
        .values_list("seen_at", flat=True)
        .first()
    )
    if seen_at is None:
        return redirect(shown)
    placed = shown.posts.placed()
    # A held reply approved later keeps its older id: its approval is what is new.
    unseen = placed.filter(Q(created_at__gt=seen_at) | Q(approved_at__gt=seen_at))
    target = unseen.order_by("id").values_list("pk", flat=True).first()
    if target is None:
        target = placed.order_by("-id").values_list("pk", flat=True).first()
    if target is None:
        return redirect(shown)
    earlier = placed.filter(id__lt=target).count()
    number = earlier // settings.POSTS_PER_PAGE + 1
    suffix = f"?page={number}" if number > 1 else ""
    return redirect(f"{shown.get_absolute_url()}{suffix}#post-{target}")


@login_required
@require_POST
def mark_read(request: HttpRequest, thread_id: int) -> HttpResponse:
    """A reply that arrived live was shown on the member's open page (unread.js): the
    thread is read through it, as if a page showing it had loaded."""
    shown = get_object_or_404(Thread.objects.listed(), pk=thread_id)
    through = request.POST.get("through", "")
    if not re.fullmatch(r"[0-9]{1,18}", through):
        return JsonResponse({"error": "through must be a post id"}, status=400)
    post = get_object_or_404(shown.posts.placed().only("created_at", "approved_at"), pk=through)
    actions.mark_thread_read(
        member=_member(request), thread=shown, through=post.approved_at or post.created_at
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def update_reaction_counts_preference(request: HttpRequest) -> HttpResponse:
    """Settings › Reactions: show or hide reaction counts for this member."""
    form = ReactionCountsPreferenceForm(request.POST)
    form.is_valid()  # a lone checkbox is always valid: unticked is False
    hidden = bool(form.cleaned_data.get("hide_reaction_counts"))
    actions.set_hide_reaction_counts(member=_member(request), hidden=hidden)
    messages.success(
        request,
        _("Reaction counts are hidden for you.") if hidden else _("Reaction counts are shown."),
    )
    return redirect("forum:settings")
