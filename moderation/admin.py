"""The admin shows moderation's records but changes none of them.

Every moderation write goes through moderation/actions.py, which logs it; an admin form
would be a way round the log. So the log, reports, review items and watched words are
read-only here: no add, change or delete, not even for a superuser. Moderators manage
watched words on the moderation pages, which log each change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from moderation.models import LogEntry, Report, ReviewItem, WatchedWord


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Not even the bulk "delete selected" action.
        return {}


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "moderator", "action", "target", "reason", "guideline"]
    list_filter = ["action", "guideline"]
    date_hierarchy = "created_at"


@admin.register(WatchedWord)
class WatchedWordAdmin(ReadOnlyAdmin):
    list_display = ["phrase", "action", "replacement", "created_at"]
    list_filter = ["action"]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "post_id", "priority", "status", "outcome", "created_at"]
    list_filter = ["kind", "status"]
    # The appeal's words and who resolved it are on the moderation pages.
    exclude = ["appeal_text"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    # Who reported stays hidden, here as on the moderation pages.
    list_display = ["id", "post_id", "reason", "weight", "status", "created_at", "decided_at"]
    list_filter = ["reason", "status"]
    exclude = ["reporter", "note"]
