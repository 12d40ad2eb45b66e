"""A member's notifications. Each view parses, authorises, calls one action, responds."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from forum import actions
from forum.models import Member, Notification, NotificationQuerySet

NOTIFICATIONS_PER_PAGE = 30


class CountedNotifications:
    """A member's notifications for the paginator, counted by the same query that counts
    the unread ones instead of a COUNT query of its own."""

    def __init__(self, notifications: NotificationQuerySet, total: int) -> None:
        self.notifications = notifications
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list[Notification]:
        return list(self.notifications[window])


def _member(request: HttpRequest) -> Member:
    viewer = request.user
    assert isinstance(viewer, Member)
    return viewer


@never_cache
@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """Newest first. Reading this page marks nothing: following one marks that one, and
    "Mark all as read" marks the rest."""
    mine = Notification.objects.for_recipient(_member(request))
    counts = mine.counts()
    page: Page[Notification] = Paginator(
        CountedNotifications(mine.newest_first(), counts.total),  # type: ignore[arg-type]
        NOTIFICATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "unread_notifications": counts.unread,
        "newest_id": counts.newest_id,
    }
    return render(request, "forum/notifications.html", context)


@login_required
@require_POST
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponseRedirect:
    """Follow one notification to its post, marking it read on the way."""
    member = _member(request)
    shown = get_object_or_404(
        Notification.objects.for_recipient(member)
        .select_related("entry")
        .only("recipient_id", "post_id", "entry__journey_id"),
        pk=notification_id,
    )
    actions.mark_notification_read(member=member, notification=shown)
    if shown.entry is not None:
        return redirect(shown.entry.get_absolute_url())
    return redirect("forum:post", post_id=shown.post_id)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponseRedirect:
    through = request.POST.get("through", "")
    marked = actions.mark_all_notifications_read(
        member=_member(request),
        through_id=int(through) if re.fullmatch(r"[0-9]{1,18}", through) else None,
    )
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                marked,
            )
            % {"count": marked},
        )
    return redirect("forum:notifications")


@never_cache
@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """The header's unread count, asked for by the page whenever its member socket
    (re)connects, so a count missed while the socket was down is caught up."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "sign in first"}, status=403)
    unread = Notification.objects.for_recipient(_member(request)).unread().count()
    return JsonResponse({"unread": unread})
