"""Journeys: the Journeys page, beginning a journey and writing its entries, and the
timeline the journey's thread page shows. Each view parses, authorises, calls one action,
responds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from forum import actions
from forum.exceptions import ActionRefused, NeedsConfirmation
from forum.forms import EntryVisibility, JourneyEntryForm, JourneyForm
from forum.markup import render_markdown
from forum.models import (
    Category,
    Journey,
    JourneyEntry,
    Member,
    Milestone,
    Post,
    Thread,
    ThreadStatus,
)

JOURNEYS_PER_PAGE = 20


def _member(request: HttpRequest) -> Member:
    viewer = request.user
    assert isinstance(viewer, Member)
    return viewer


def journey_of(thread: Thread) -> Journey | None:
    """The thread's journey when it is one (loaded with select_related("journey"))."""
    try:
        return thread.journey
    except Journey.DoesNotExist:
        return None


def time_between(earlier: datetime.date, later: datetime.date) -> str:
    """ "4 months later": the time between two entries, in its largest whole unit."""
    days = (later - earlier).days
    if days <= 0:
        return _("The same day")
    if days < 14:
        return ngettext("A day later", "%(count)d days later", days) % {"count": days}
    if days < 60:
        weeks = days // 7
        return ngettext("A week later", "%(count)d weeks later", weeks) % {"count": weeks}
    if days < 730:
        months = round(days / 30.44)
        return ngettext("A month later", "%(count)d months later", months) % {"count": months}
    years = days // 365
    return ngettext("A year later", "%(count)d years later", years) % {"count": years}


@dataclass(frozen=True)
class TimelineEntry:
    entry: JourneyEntry
    # "" where the viewer hides other people's numbers, and for the first entry.
    time_between: str
    shows_comfort: bool


def hides_numbers(viewer: Member | AnonymousUser, journey: Journey) -> bool:
    """Whether ratings and durations are left out for this viewer: their preference,
    never on their own journey."""
    return (
        isinstance(viewer, Member)
        and viewer.hides_others_numbers
        and viewer.pk != journey.author_id
    )


def timeline(viewer: Member | AnonymousUser, journey: Journey) -> list[TimelineEntry]:
    """The journey's entries as `viewer` may see them (one query): shared ones, and the
    author's private ones for the author alone."""
    own = viewer.is_authenticated and viewer.pk == journey.author_id
    hidden = hides_numbers(viewer, journey)
    shown: list[TimelineEntry] = []
    previous: datetime.date | None = None
    for entry in JourneyEntry.objects.shown_to(viewer, journey):
        shown.append(
            TimelineEntry(
                entry=entry,
                time_between=""
                if hidden or previous is None
                else time_between(previous, entry.happened_on),
                shows_comfort=entry.comfort is not None
                and (own or (entry.shares_comfort and not hidden)),
            )
        )
        previous = entry.happened_on
    return shown


def journey_context(request: HttpRequest, thread: Thread, *, first_page: bool) -> dict[str, Any]:
    """What a journey's thread page adds: the timeline (on its first page) and, for the
    author, the entry composer. Empty for an ordinary thread."""
    journey = journey_of(thread)
    if journey is None:
        return {}
    viewer = request.user
    context: dict[str, Any] = {"journey": journey}
    if first_page:
        context["timeline"] = timeline(viewer, journey)
    if (
        isinstance(viewer, Member)
        and viewer.pk == journey.author_id
        and thread.status not in (ThreadStatus.REMOVED, ThreadStatus.REJECTED)
        and not viewer.is_suspended
    ):
        context["entry_form"] = JourneyEntryForm(
            initial={"happened_on": timezone.localdate(), "visibility": EntryVisibility.PRIVATE}
        )
    return context


def journeys(request: HttpRequest) -> HttpResponse:
    """Shared journeys, the most recently continued first, with the two filters. No
    counts to compare, no ranking: the order is only "latest entry"."""
    listed = Journey.objects.listed_for(request.user)
    reached = request.GET.get("reached", "")
    if reached in Milestone.values:
        listed = listed.reached(reached)
    else:
        reached = ""
    partner = request.GET.get("partner") == "1"
    if partner:
        listed = listed.partner_involved()
    page = Paginator(listed.with_shared_milestones(), JOURNEYS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "milestones": Milestone.choices,
        "reached": reached,
        "partner": partner,
        "filtered": bool(reached or partner),
        "pagination_query": _filter_query(reached, partner),
        # Listed apart, for their author only: a journey with nothing shared yet is on
        # no public list, and its author must still find it.
        "own_journeys": list(Journey.objects.own(request.user))
        if isinstance(request.user, Member)
        else [],
    }
    return render(request, "forum/journeys.html", context)


def _filter_query(reached: str, partner: bool) -> str:
    parts = [f"reached={reached}"] if reached else []
    if partner:
        parts.append("partner=1")
    return "&".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def new_journey(request: HttpRequest) -> HttpResponse:
    category = Category.objects.filter(slug=actions.JOURNEY_CATEGORY_SLUG).first()
    if category is None:
        raise Http404
    preview: Post | None = None
    if request.method == "POST":
        form = JourneyForm(request.POST, category=category)
        if "preview" in request.POST and form.is_valid():
            body = form.cleaned_data["body"]
            preview = Post(
                body=body,
                html=render_markdown(body),
                content_warnings=form.cleaned_data.get("content_warnings") or [],
            )
        elif form.is_valid():
            try:
                journey = actions.start_journey(
                    author=_member(request),
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    submission_token=form.token(),
                    publish_anyway=form.publish_anyway_chosen(),
                    anonymous=form.anonymous_chosen(),
                    warnings=form.cleaned_data["content_warnings"],
                )
            except NeedsConfirmation as warning:
                form.ask_to_confirm(str(warning))
            except ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect(f"{journey.get_absolute_url()}#new-entry")
    else:
        form = JourneyForm(category=category)
    preview_title = form.cleaned_data.get("title") if preview else None
    return render(
        request,
        "forum/journey_new.html",
        {"form": form, "preview": preview, "preview_title": preview_title},
    )


def _own_journey(request: HttpRequest, journey_id: int) -> Journey:
    journey = get_object_or_404(Journey.objects.select_related("thread"), pk=journey_id)
    if journey.author_id != request.user.pk:
        raise PermissionDenied
    return journey


def _own_entry(request: HttpRequest, entry_id: int) -> JourneyEntry:
    entry = get_object_or_404(JourneyEntry.objects.select_related("journey__thread"), pk=entry_id)
    if entry.journey.author_id != request.user.pk:
        # Someone else's entry, private or not, is not there for them to change.
        raise Http404
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def add_entry(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The entry composer: on the journey page, and on a page of its own when a
    submitted entry comes back to be corrected (the text kept)."""
    journey = _own_journey(request, journey_id)
    if request.method == "POST":
        form = JourneyEntryForm(request.POST)
        if form.is_valid():
            try:
                entry = actions.add_journey_entry(
                    author=_member(request),
                    journey=journey,
                    submission_token=form.token(),
                    **form.entry_fields(),
                )
            except ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect(entry)
        status = 400
    else:
        form = JourneyEntryForm(initial={"happened_on": timezone.localdate()})
        status = 200
    return render(
        request,
        "forum/journey_entry.html",
        {"journey": journey, "form": form, "editing": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _own_entry(request, entry_id)
    if request.method == "POST":
        form = JourneyEntryForm(request.POST)
        if form.is_valid():
            try:
                actions.edit_journey_entry(
                    author=_member(request), entry=entry, **form.entry_fields()
                )
            except ActionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect(entry)
    else:
        form = JourneyEntryForm(
            initial={
                "happened_on": entry.happened_on,
                "milestone": entry.milestone,
                "dilator_size": entry.dilator_size,
                "comfort": entry.comfort,
                "shares_comfort": entry.shares_comfort,
                "body": entry.note,
                "visibility": EntryVisibility.SHARED
                if entry.is_shared
                else EntryVisibility.PRIVATE,
            }
        )
    return render(
        request,
        "forum/journey_entry.html",
        {"journey": entry.journey, "form": form, "editing": entry},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _own_entry(request, entry_id)
    if request.method == "POST":
        try:
            actions.delete_journey_entry(author=_member(request), entry=entry)
        except ActionRefused as refusal:
            return render(
                request,
                "forum/journey_entry_delete.html",
                {"entry": entry, "refusal": str(refusal)},
                status=400,
            )
        return redirect(f"{entry.journey.get_absolute_url()}#timeline")
    return render(request, "forum/journey_entry_delete.html", {"entry": entry})
