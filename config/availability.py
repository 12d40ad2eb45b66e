"""Whether the site's services answer: the health endpoint, and the 503 page a member sees
while the database cannot be reached.

Both are about the site as a whole rather than anything a member does, so they live beside
the settings and not in an app.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.db import Error as DatabaseError
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.template.loader import render_to_string

from forum import views
from forum.broadcast import channel_layer_answers

HEALTH_PATH = "/health/"

# What Django raises when the database cannot be reached: the pool's PoolTimeout (no
# connection within its timeout) and a server that went away mid-request both arrive as
# OperationalError; a connection already closed under us as InterfaceError.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)

# A hint for browsers and crawlers: long enough for a database restart or failover. The
# site itself follows the database back within seconds (config/settings.py, the pool).
RETRY_AFTER_SECONDS = 30

# The fields of a post or thread form worth handing back (as forum.views.csrf_failure does).
KEPT_FIELDS = ("title", "body")


class HealthCheckMiddleware:
    """Answer GET /health/ with the reachability of the database and the channel layer.

    It comes first in MIDDLEWARE and answers before anything else runs: no session is
    read or made, no cookie is set, nothing is written, and neither the host check nor
    the HTTPS redirect applies, so a container health check can ask over plain HTTP on
    127.0.0.1. The answer names only "ok" or "down" for each part, which is safe to show
    anyone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH and request.method in {"GET", "HEAD"}:
            return health()
        return self.get_response(request)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def health() -> HttpResponse:
    parts = {
        "database": "ok" if database_answers() else "down",
        "channel_layer": "ok" if channel_layer_answers() else "down",
    }
    healthy = all(state == "ok" for state in parts.values())
    response = JsonResponse(parts, status=200 if healthy else 503)
    response.headers["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """settings' handler500: the 503 page when the database could not be reached, the
    usual 500 page for anything else.

    Django calls the handler while it handles the exception, wherever it was raised (a
    view, a template, the session saved on the way out), so sys.exc_info() holds it.
    """
    if isinstance(sys.exc_info()[1], DATABASE_UNREACHABLE):
        return database_unavailable(request)
    return views.server_error(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The calm 503 page. Rendered without the request (no member, no session): anything
    that would query the database would fail again. A form's text comes back on it."""
    html = render_to_string("503.html", {"kept": _kept_text(request)})
    response = HttpResponse(html, status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The page may hold what the member wrote: no cache, browser or proxy, keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response


def _kept_text(request: HttpRequest) -> dict[str, str]:
    if request.method != "POST":
        return {}
    try:
        form = request.POST
    except (SuspiciousOperation, UnreadablePostError):
        return {}
    return {field: form.get(field, "") for field in KEPT_FIELDS if form.get(field, "").strip()}
