"""Moderation pages, for members (report, notices, my reports, transparency) and for
moderators (queue, log, watched words, a post, a thread, a member).

Each view parses a form, authorises, calls one action of moderation/actions.py and
responds; reads are plain queries whose count does not grow with the page's length.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forum import aliases
from forum.exceptions import ActionRefused
from forum.guidelines import Guideline
from forum.models import Member, Post, PostStatus, Thread, ThreadStatus
from moderation import actions, two_factor
from moderation.forms import (
    DECISIONS,
    AppealForm,
    CodeForm,
    ContentWarningForm,
    DecisionForm,
    ModeratorEditForm,
    MoveThreadForm,
    ReasonForm,
    ReasonGuidelineForm,
    RemoveWordForm,
    ReportForm,
    SlowModeForm,
    SuspendForm,
    TrustForm,
    WatchedWordForm,
)
from moderation.models import (
    LogEntry,
    Notice,
    Report,
    ReportReason,
    RevealRequest,
    ReviewItem,
    WatchedWord,
)
from moderation.two_factor import moderator_required

QUEUE_LENGTH = 100
LOG_PER_PAGE = 50
NOTICES_PER_PAGE = 30
REPORTS_PER_PAGE = 30
TRANSPARENCY_MONTHS = 12

# Posts a member may report: those that hold a place in a published thread.
REPORTABLE = (PostStatus.PUBLISHED, PostStatus.HIDDEN_FOR_REVIEW)


def _member(request: HttpRequest) -> Member:
    viewer = request.user
    assert isinstance(viewer, Member)
    return viewer


# --- Members: reporting -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, post_id: int) -> HttpResponse:
    reporter = _member(request)
    target = get_object_or_404(
        Post.objects.select_related("thread").filter(
            status__in=REPORTABLE,
            deleted_at__isnull=True,
            thread__status=ThreadStatus.PUBLISHED,
        ),
        pk=post_id,
    )
    own = target.author_id == reporter.pk
    form = ReportForm(request.POST or None)
    if request.method == "POST" and not own and form.is_valid():
        try:
            actions.report_post(
                reporter=reporter,
                post=target,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _(
                    "Thank you for telling us. A moderator will look at it; nobody is told "
                    "who reported it. You can follow it here."
                ),
            )
            return redirect("moderation:my_reports")
    return render(
        request,
        "moderation/report.html",
        {"post": target, "form": form, "own": own},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    mine = (
        Report.objects.filter(reporter=_member(request))
        .select_related("post__thread")
        .only(
            "reason",
            "status",
            "created_at",
            "decided_at",
            "post_id",
            "post__thread_id",
            "post__thread__title",
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(mine, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "moderation/my_reports.html", {"page": page})


# --- Members: notices and appeals -------------------------------------------------------


@never_cache
@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """Newest first. Opening the page marks them read; the ones that were new keep their
    mark for this showing."""
    member = _member(request)
    mine = (
        Notice.objects.filter(recipient=member)
        .select_related("post__thread")
        .only(
            "kind",
            "reason",
            "guideline",
            "created_at",
            "read_at",
            "appealed_at",
            "post_id",
            "post__status",
            "post__thread_id",
            "post__thread__title",
            "post__thread__status",
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(mine, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    if any(notice.read_at is None for notice in shown):
        actions.mark_notices_read(member=member)
    answers = _review_answers(member, shown)
    return render(
        request,
        "moderation/notices.html",
        {
            "page": page,
            "notices": [(notice, answers.get(notice.pk)) for notice in shown],
            "shown_ids": {notice.pk for notice in shown},
            "appeal_form": AppealForm(),
        },
    )


# The notices that answer a request for a review: the answer itself, or the post's return
# when a moderator restored it from its own page while the request waited.
ANSWER_KINDS = (Notice.Kind.APPEAL_DECIDED, Notice.Kind.POST_RESTORED)


def _review_answers(member: Member, shown: list[Notice]) -> dict[int, Notice]:
    """For each appealed notice on the page, the first answer that came after the request,
    if it came. One query, made only when the page holds an appealed notice."""
    appealed = [notice for notice in shown if notice.appealed_at and notice.post_id]
    if not appealed:
        return {}
    answers = list(
        Notice.objects.filter(
            recipient=member,
            kind__in=ANSWER_KINDS,
            post_id__in={notice.post_id for notice in appealed},
            created_at__gte=min(notice.appealed_at for notice in appealed if notice.appealed_at),
        )
        .only("kind", "reason", "created_at", "post_id")
        .order_by("created_at", "id")
    )
    found: dict[int, Notice] = {}
    for notice in appealed:
        for answer in answers:
            if (
                answer.post_id == notice.post_id
                and notice.appealed_at is not None
                and answer.created_at >= notice.appealed_at
            ):
                found[notice.pk] = answer
                break
    return found


@never_cache
@require_GET
def unread_notices(request: HttpRequest) -> JsonResponse:
    """The header's count of unread notices, asked for whenever the member socket
    (re)connects."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "sign in first"}, status=403)
    unread = Notice.objects.filter(recipient=_member(request), read_at__isnull=True).count()
    return JsonResponse({"unread": unread})


@login_required
@require_POST
def appeal(request: HttpRequest, notice_id: int) -> HttpResponse:
    member = _member(request)
    notice = get_object_or_404(
        Notice.objects.filter(recipient=member).select_related("post__thread"), pk=notice_id
    )
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            actions.appeal(member=member, notice=notice, text=form.cleaned_data["text"])
        except ActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _(
                    "Your request is with the moderators. A different pair of eyes will "
                    "look again, and you will find the answer here."
                ),
            )
            return redirect("moderation:notices")
    return render(request, "moderation/appeal.html", {"notice": notice, "form": form}, status=400)


# --- Public: transparency ---------------------------------------------------------------


def _duration_text(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": max(minutes, 1)}
    hours = minutes // 60
    if hours < 48:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes % 60}
    return _("%(days)d days") % {"days": hours // 24}


def _labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    return {key: str(label) for key, label in choices}


def _monthly(rows: Any, key: str, labels: dict[str, str]) -> dict[datetime, list[tuple[str, int]]]:
    months: dict[datetime, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        months[row["month"]].append((labels.get(row[key], row[key]), row["count"]))
    return months


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """Monthly counts of what moderators did and why, and how long reviews took: no
    names and no content. A month with nothing in it shows nothing."""
    since = (timezone.now() - timedelta(days=31 * TRANSPARENCY_MONTHS)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    logged = LogEntry.objects.filter(created_at__gte=since).annotate(month=TruncMonth("created_at"))
    by_action = _monthly(
        logged.values("month", "action").annotate(count=Count("id")).order_by("month", "action"),
        "action",
        _labels(LogEntry.Action.choices),
    )
    by_guideline = _monthly(
        logged.exclude(guideline="")
        .values("month", "guideline")
        .annotate(count=Count("id"))
        .order_by("month", "guideline"),
        "guideline",
        _labels(Guideline.choices),
    )
    by_reason = _monthly(
        Report.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "reason")
        .annotate(count=Count("id"))
        .order_by("month", "reason"),
        "reason",
        _labels(ReportReason.choices),
    )
    waits: dict[datetime, list[float]] = defaultdict(list)
    reviewed = (
        ReviewItem.objects.filter(created_at__gte=since, resolved_at__isnull=False)
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "created_at", "resolved_at")
    )
    for month, created_at, resolved_at in reviewed:
        if resolved_at is not None:
            waits[month].append((resolved_at - created_at).total_seconds())
    months = sorted(set(by_action) | set(by_guideline) | set(by_reason) | set(waits), reverse=True)
    rows = [
        {
            "month": month,
            "actions": by_action.get(month, []),
            "guidelines": by_guideline.get(month, []),
            "reasons": by_reason.get(month, []),
            "median_wait": _duration_text(timedelta(seconds=statistics.median(waits[month])))
            if waits.get(month)
            else None,
            "reviewed": len(waits.get(month, [])),
        }
        for month in months
    ]
    return render(request, "moderation/transparency.html", {"months": rows})


# --- Moderators: two-factor -------------------------------------------------------------


def _moderator_only(request: HttpRequest) -> Member | HttpResponseRedirect:
    if not request.user.is_authenticated:
        return redirect(two_factor.with_next(settings.LOGIN_URL, request))
    if not two_factor.is_moderator(request.user):
        raise PermissionDenied
    return _member(request)


def _wait_message(wait: datetime) -> str:
    seconds = max(int((wait - timezone.now()).total_seconds()) + 1, 1)
    return _("Too many codes did not match. Please wait %(seconds)d seconds and try again.") % {
        "seconds": seconds
    }


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    member = _moderator_only(request)
    if not isinstance(member, Member):
        return member
    if two_factor.confirmed_device(member) is not None:
        # A second authenticator is added only by an administrator: a stolen password
        # alone must not be enough to enrol one.
        return redirect(
            two_factor.with_next(
                "moderation:two_factor_verify", request, two_factor.safe_next(request)
            )
        )
    device = two_factor.pending_device(member=member)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if (wait := two_factor.wait_until(device)) is not None:
            form.add_error(None, _wait_message(wait))
            status = 429
        elif two_factor.confirm_device(
            request=request, device=device, code=form.cleaned_data["code"]
        ):
            messages.success(
                request, _("Two-factor sign-in is set up. The moderation area is open.")
            )
            return redirect(two_factor.safe_next(request))
        else:
            form.add_error(
                "code",
                _(
                    "That code did not match. Check the app shows “%(name)s” and try the "
                    "newest code."
                )
                % {"name": device.name},
            )
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "moderation/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_code(device),
            "secret": two_factor.base32_secret(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "next": two_factor.safe_next(request),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    member = _moderator_only(request)
    if not isinstance(member, Member):
        return member
    device = two_factor.confirmed_device(member)
    if device is None:
        return redirect(
            two_factor.with_next(
                "moderation:two_factor_setup", request, two_factor.safe_next(request)
            )
        )
    if two_factor.is_verified(request.user):
        return redirect(two_factor.safe_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if (wait := two_factor.wait_until(device)) is not None:
            form.add_error(None, _wait_message(wait))
            status = 429
        elif two_factor.verify_code(request=request, device=device, code=form.cleaned_data["code"]):
            return redirect(two_factor.safe_next(request))
        else:
            form.add_error("code", _("That code did not match. Please try the newest code."))
    if form.errors and status == 200:
        status = 400
    return render(
        request,
        "moderation/two_factor_verify.html",
        {"form": form, "next": two_factor.safe_next(request)},
        status=status,
    )


# --- Moderators: the queue --------------------------------------------------------------


def _reasons(reports: Any) -> dict[int, list[dict[str, Any]]]:
    """Reasons of open reports by item, most given first, each with how often it was
    given and the reporters' notes (never who wrote them). One query."""
    labels = _labels(ReportReason.choices)
    by_item: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    rows = (
        reports.filter(status=Report.Status.OPEN)
        .order_by("created_at", "id")
        .values_list("item_id", "reason", "note")
    )
    for item_id, reason, note in rows:
        entry = by_item[item_id].setdefault(
            reason, {"key": reason, "label": labels.get(reason, reason), "count": 0, "notes": []}
        )
        entry["count"] += 1
        if note.strip():
            entry["notes"].append(note)
    return {
        item_id: sorted(found.values(), key=lambda entry: (-entry["count"], entry["key"]))
        for item_id, found in by_item.items()
    }


def _queue_rows(
    viewer: Member, failed: DecisionForm | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The open items, most urgent first, each with its reasons (and the reporters'
    notes), what an appeal asks about, and its decision form. The same number of queries
    however long the queue is: the items, their reports, and, when appeals wait, the
    decisions they ask about (and, when one is the viewer's own, whether a colleague
    could answer it)."""
    open_items = ReviewItem.objects.waiting()
    items = list(open_items.select_related("post__author", "post__thread__category")[:QUEUE_LENGTH])
    # Anonymous posts show their alias, never the account (one query at most).
    aliases.assign(item.post for item in items)
    reported = [item.pk for item in items if item.kind == ReviewItem.Kind.REPORTED]
    reasons = _reasons(Report.objects.filter(item_id__in=reported)) if reported else {}
    decisions = actions.appealed_decisions(
        [item.post_id for item in items if item.kind == ReviewItem.Kind.APPEAL]
    )
    own = any(entry.moderator_id == viewer.pk for entry in decisions.values())
    colleague_answers = own and actions.other_moderators_exist(viewer)
    rows = []
    for item in items:
        form = (
            failed
            if failed is not None and failed.item.pk == item.pk
            else DecisionForm(item=item, initial={"version": item.version})
        )
        form.auto_id = f"item{item.pk}_%s"
        decision = decisions.get(item.post_id) if item.kind == ReviewItem.Kind.APPEAL else None
        own_decision = decision is not None and decision.moderator_id == viewer.pk
        rows.append(
            {
                "item": item,
                "reasons": reasons.get(item.pk, []),
                "decisions": list(DECISIONS.get(item.kind, {})),
                "form": form,
                "appealed": decision,
                "own_decision": own_decision,
                "for_a_colleague": own_decision and colleague_answers,
            }
        )
    total = len(items) if len(items) < QUEUE_LENGTH else open_items.count()
    return rows, total


def _queue_page(
    request: HttpRequest, *, failed: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    rows, total = _queue_rows(_member(request), failed)
    return render(
        request,
        "moderation/queue.html",
        {"rows": rows, "total": total, "guidelines": Guideline.choices},
        status=status,
    )


@never_cache
@moderator_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


@never_cache
@moderator_required
@require_GET
def queue_items(request: HttpRequest) -> HttpResponse:
    """The queue's list alone, fetched by static/js/queue.js when the queue changed."""
    rows, total = _queue_rows(_member(request))
    return render(
        request,
        "moderation/queue.html#items",
        {"rows": rows, "total": total, "guidelines": Guideline.choices},
    )


DECIDED = {
    "approve": gettext_lazy("Approved: the post is published and readers see it now."),
    "reject": gettext_lazy("Not approved: the author has a kind notice with your reason."),
    "remove": gettext_lazy("Removed: a tombstone names the guideline, the author has a notice."),
    "dismiss": gettext_lazy("Reports dismissed: the post stays as it is."),
    "restore": gettext_lazy("Restored: the post is back and its author is told."),
    "keep": gettext_lazy("The decision stands; the author is told."),
}


@moderator_required
@require_POST
def decide(request: HttpRequest, item_id: int) -> HttpResponse:
    moderator = _member(request)
    item = get_object_or_404(ReviewItem.objects.select_related("post"), pk=item_id)
    form = DecisionForm(request.POST, item=item)
    if not form.is_valid():
        return _queue_page(request, failed=form, status=400)
    data = form.cleaned_data
    decision, reason, guideline = data["decision"], data["reason"], data["guideline"]
    claim = {"item": item, "seen_version": data["version"]}
    if not item.is_open or item.version != data["version"]:
        # Seen as it was before someone else decided it: say so at once. The actions check
        # the same thing again when they claim the item, for two moderators at once.
        messages.info(request, _("This was already handled by another moderator."))
        return redirect("moderation:queue")
    try:
        if decision == "approve":
            actions.approve_post(moderator=moderator, reason=reason, **claim)
        elif decision == "reject":
            actions.reject_post(moderator=moderator, reason=reason, guideline=guideline, **claim)
        elif decision == "remove":
            actions.hide_post(
                moderator=moderator, post=item.post, reason=reason, guideline=guideline, **claim
            )
        elif decision == "dismiss":
            actions.dismiss_reports(moderator=moderator, reason=reason, **claim)
        elif decision == "restore" and item.post.status == PostStatus.REJECTED:
            # A rejected post was never published: approving it publishes it now.
            actions.approve_post(moderator=moderator, reason=reason, **claim)
        elif decision == "restore":
            actions.restore_post(moderator=moderator, post=item.post, reason=reason, **claim)
        else:
            actions.deny_appeal(moderator=moderator, reason=reason, **claim)
    except actions.AlreadyHandled:
        messages.info(request, _("This was already handled by another moderator."))
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, str(DECIDED[decision]))
    return redirect("moderation:queue")


# --- Moderators: the log and watched words -----------------------------------------------


@never_cache
@moderator_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    entries = LogEntry.objects.select_related("moderator").only(
        "action",
        "member_id",
        "thread_id",
        "post_id",
        "target",
        "reason",
        "guideline",
        "created_at",
        "moderator__pseudonym",
    )
    page = Paginator(entries, LOG_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "moderation/log.html", {"page": page})


def _bound(
    request: HttpRequest, choices: dict[str, type[forms.Form]]
) -> tuple[str, forms.Form] | None:
    """The one form a moderator sent from a page of several: its name and the form."""
    chosen = request.POST.get("do", "")
    form_class = choices.get(chosen)
    if form_class is None:
        return None
    return chosen, form_class(request.POST, auto_id=f"{chosen}_%s")


def _blank(
    choices: dict[str, type[forms.Form]], **initial: dict[str, Any]
) -> dict[str, forms.Form]:
    return {
        name: form_class(auto_id=f"{name}_%s", initial=initial.get(name))
        for name, form_class in choices.items()
    }


def _act(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], object],
    done: str,
) -> bool:
    """Call the action with the form's data; True when it was done (and said so)."""
    try:
        call(form.cleaned_data)
    except ActionRefused as refusal:
        form.add_error(None, str(refusal))
        return False
    messages.success(request, done)
    return True


WORD_FORMS: dict[str, type[forms.Form]] = {"add": WatchedWordForm, "remove": RemoveWordForm}


@never_cache
@moderator_required
@require_http_methods(["GET", "POST"])
def words(request: HttpRequest) -> HttpResponse:
    moderator = _member(request)
    shown = _blank(WORD_FORMS)
    status = 200
    if request.method == "POST":
        bound = _bound(request, WORD_FORMS)
        if bound is None:
            return HttpResponseBadRequest()
        chosen, form = bound
        if form.is_valid():
            if chosen == "add":
                done = _act(
                    request,
                    form,
                    lambda data: actions.add_watched_word(
                        moderator=moderator,
                        phrase=data["phrase"],
                        action=data["action"],
                        replacement=data["replacement"].strip(),
                        reason=data["reason"].strip(),
                    ),
                    _("The word is watched from now on."),
                )
            else:
                done = _act(
                    request,
                    form,
                    lambda data: actions.remove_watched_word(
                        moderator=moderator, word=data["word"], reason=data["reason"].strip()
                    ),
                    _("The word is no longer watched."),
                )
            if done:
                return redirect("moderation:words")
        shown[chosen] = form
        status = 400
    return render(
        request,
        "moderation/words.html",
        {"words": WatchedWord.objects.all(), "forms": shown},
        status=status,
    )


# --- Moderators: one post, one thread, one member ----------------------------------------

POST_FORMS: dict[str, type[forms.Form]] = {
    "hide": ReasonGuidelineForm,
    "restore": ReasonForm,
    "edit": ModeratorEditForm,
    "content_warning": ContentWarningForm,
    # The author of an anonymous post, acted on without being shown.
    "warn_author": ReasonGuidelineForm,
    "suspend_author": SuspendForm,
    "request_reveal": ReasonForm,
}


@never_cache
@moderator_required
@require_http_methods(["GET", "POST"])
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    moderator = _member(request)
    target = get_object_or_404(
        Post.objects.select_related("author", "thread__category"), pk=post_id
    )
    shown = _blank(POST_FORMS, edit={"body": target.body})
    status = 200
    if request.method == "POST":
        bound = _bound(request, POST_FORMS)
        if bound is None:
            return HttpResponseBadRequest()
        chosen, form = bound
        if form.is_valid():
            calls: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
                "hide": (
                    lambda data: actions.hide_post(
                        moderator=moderator,
                        post=target,
                        reason=data["reason"],
                        guideline=data["guideline"],
                    ),
                    _("The post is removed; its author has a notice."),
                ),
                "restore": (
                    lambda data: actions.restore_post(
                        moderator=moderator, post=target, reason=data["reason"]
                    ),
                    _("The post is restored."),
                ),
                "edit": (
                    lambda data: actions.edit_post(
                        moderator=moderator, post=target, body=data["body"], reason=data["reason"]
                    ),
                    _("The post is edited; its author is told."),
                ),
                "content_warning": (
                    lambda data: actions.add_content_warning(
                        moderator=moderator,
                        post=target,
                        warning=data["warning"],
                        reason=data["reason"],
                    ),
                    _("The warning is on the post; its author has a kind notice."),
                ),
                "warn_author": (
                    lambda data: actions.warn_author_of_post(
                        moderator=moderator,
                        post=target,
                        reason=data["reason"],
                        guideline=data["guideline"],
                    ),
                    _("The author of the post has your note."),
                ),
                "suspend_author": (
                    lambda data: actions.suspend_author_of_post(
                        moderator=moderator,
                        post=target,
                        days=data["days"],
                        reason=data["reason"],
                        guideline=data["guideline"],
                    ),
                    _("The author of the post is suspended; their open pages are closed."),
                ),
                "request_reveal": (
                    lambda data: actions.request_reveal(
                        admin=moderator, post=target, reason=data["reason"]
                    ),
                    _("Your request waits for a second admin's approval."),
                ),
            }
            call, done = calls[chosen]
            if _act(request, form, call, done):
                return redirect("moderation:post", post_id=target.pk)
        shown[chosen] = form
        status = 400
    # The open reports' reasons and notes: the reporters' words, never their names.
    reasons = [entry for found in _reasons(target.reports.all()).values() for entry in found]
    aliases.assign([target])
    return render(
        request,
        "moderation/post.html",
        {
            "post": target,
            "may_reveal": target.is_anonymous and moderator.has_perm(actions.REVEAL),
            "reasons": reasons,
            "forms": shown,
            "may_hide": target.status in (PostStatus.PUBLISHED, PostStatus.HIDDEN_FOR_REVIEW),
            "may_restore": target.status in (PostStatus.REMOVED, PostStatus.HIDDEN_FOR_REVIEW),
        },
        status=status,
    )


THREAD_FORMS: dict[str, type[forms.Form]] = {
    "lock": ReasonForm,
    "unlock": ReasonForm,
    "pin": ReasonForm,
    "unpin": ReasonForm,
    "move": MoveThreadForm,
    "slow_mode": SlowModeForm,
    "delete": ReasonGuidelineForm,
}

THREAD_DONE = {
    "lock": gettext_lazy("The thread is locked."),
    "unlock": gettext_lazy("The thread is open for replies again."),
    "pin": gettext_lazy("The thread is pinned."),
    "unpin": gettext_lazy("The thread is no longer pinned."),
    "move": gettext_lazy("The thread is moved."),
    "slow_mode": gettext_lazy("Slow mode is set."),
    "delete": gettext_lazy("The thread is removed; its author has a notice."),
}


def _thread_call(
    chosen: str, moderator: Member, target: Thread
) -> Callable[[dict[str, Any]], object]:
    simple = {
        "lock": actions.lock_thread,
        "unlock": actions.unlock_thread,
        "pin": actions.pin_thread,
        "unpin": actions.unpin_thread,
    }
    if chosen in simple:
        return lambda data: simple[chosen](
            moderator=moderator, thread=target, reason=data["reason"]
        )
    if chosen == "move":
        return lambda data: actions.move_thread(
            moderator=moderator, thread=target, category=data["category"], reason=data["reason"]
        )
    if chosen == "slow_mode":
        return lambda data: actions.set_slow_mode(
            moderator=moderator, thread=target, minutes=data["minutes"], reason=data["reason"]
        )
    return lambda data: actions.delete_thread(
        moderator=moderator, thread=target, reason=data["reason"], guideline=data["guideline"]
    )


@never_cache
@moderator_required
@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    moderator = _member(request)
    target = get_object_or_404(Thread.objects.select_related("author", "category"), pk=thread_id)
    shown = _blank(
        THREAD_FORMS,
        move={"category": target.category_id},
        slow_mode={"minutes": target.slow_mode_minutes},
    )
    status = 200
    if request.method == "POST":
        bound = _bound(request, THREAD_FORMS)
        if bound is None:
            return HttpResponseBadRequest()
        chosen, form = bound
        if form.is_valid() and _act(
            request, form, _thread_call(chosen, moderator, target), str(THREAD_DONE[chosen])
        ):
            return redirect("moderation:thread", thread_id=target.pk)
        shown[chosen] = form
        status = 400
    return render(
        request, "moderation/thread.html", {"thread": target, "forms": shown}, status=status
    )


MEMBER_FORMS: dict[str, type[forms.Form]] = {
    "trust": TrustForm,
    "warn": ReasonGuidelineForm,
    "suspend": SuspendForm,
    "lift": ReasonForm,
}

MEMBER_DONE = {
    "trust": gettext_lazy("The trust level is set."),
    "warn": gettext_lazy("The member has your note."),
    "suspend": gettext_lazy("The member is suspended; their open pages are closed."),
    "lift": gettext_lazy("The suspension is lifted; the member is told."),
}


def _member_call(
    chosen: str, moderator: Member, target: Member
) -> Callable[[dict[str, Any]], object]:
    if chosen == "trust":
        return lambda data: actions.set_trust_level(
            moderator=moderator,
            member=target,
            level=data["level"],
            locked=data["locked"],
            reason=data["reason"],
        )
    if chosen == "warn":
        return lambda data: actions.warn_member(
            moderator=moderator, member=target, reason=data["reason"], guideline=data["guideline"]
        )
    if chosen == "suspend":
        return lambda data: actions.suspend_member(
            moderator=moderator,
            member=target,
            days=data["days"],
            reason=data["reason"],
            guideline=data["guideline"],
        )
    return lambda data: actions.lift_suspension(
        moderator=moderator, member=target, reason=data["reason"]
    )


@never_cache
@moderator_required
@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, member_id: int) -> HttpResponse:
    moderator = _member(request)
    target = get_object_or_404(Member, pk=member_id)
    shown = _blank(MEMBER_FORMS, trust={"level": target.trust_level, "locked": target.trust_locked})
    status = 200
    if request.method == "POST":
        bound = _bound(request, MEMBER_FORMS)
        if bound is None:
            return HttpResponseBadRequest()
        chosen, form = bound
        if form.is_valid() and _act(
            request, form, _member_call(chosen, moderator, target), str(MEMBER_DONE[chosen])
        ):
            return redirect("moderation:member", member_id=target.pk)
        shown[chosen] = form
        status = 400
    # Never the member's anonymous posts: a moderator must not link them to the account.
    recent_posts = (
        Post.objects.public_of(target)
        .select_related("thread")
        .only("status", "created_at", "deleted_at", "thread_id", "thread__title")
        .order_by("-created_at")[:10]
    )
    history = LogEntry.objects.filter(member_id=target.pk).select_related("moderator")[:20]
    return render(
        request,
        "moderation/member.html",
        {
            "shown_member": target,
            "forms": shown,
            "recent_posts": recent_posts,
            "history": history,
            "post_count": Post.objects.public_of(target).count(),
        },
        status=status,
    )


# --- Revealing an anonymous author (two admins) -------------------------------------------


def _revealer(request: HttpRequest) -> Member:
    admin = _member(request)
    if not admin.has_perm(actions.REVEAL):
        raise PermissionDenied
    return admin


@never_cache
@moderator_required
@require_http_methods(["GET", "POST"])
def reveal_requests(request: HttpRequest) -> HttpResponse:
    """Requests to see who wrote an anonymous post: another admin's may be approved here;
    one's own show their answer once approved."""
    admin = _revealer(request)
    if request.method == "POST":
        chosen = get_object_or_404(RevealRequest, pk=request.POST.get("request") or 0)
        try:
            actions.approve_reveal(admin=admin, request=chosen)
        except ActionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("Approved. The member is told, and the admin who asked can see the account."),
            )
        return redirect("moderation:reveal_requests")
    shown = list(RevealRequest.objects.select_related("post__thread", "requested_by")[:100])
    return render(request, "moderation/reveal_requests.html", {"requests": shown, "admin": admin})


@never_cache
@moderator_required
@require_GET
def reveal_result(request: HttpRequest, request_id: int) -> HttpResponse:
    admin = _revealer(request)
    chosen = get_object_or_404(RevealRequest.objects.select_related("post__thread"), pk=request_id)
    try:
        author = actions.revealed_author(admin=admin, request=chosen)
    except ActionRefused as refusal:
        messages.info(request, str(refusal))
        return redirect("moderation:reveal_requests")
    return render(request, "moderation/reveal_result.html", {"reveal": chosen, "author": author})
