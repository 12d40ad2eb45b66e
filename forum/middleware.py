from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone


class RequestTooLargeMiddleware:
    """Answer a request body over the limit with a friendly 413 page.

    Django would otherwise raise RequestDataTooBig on the first read of request.POST and
    answer 400, which tells the member nothing useful.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            html = render_to_string("413.html", request=request)
            return HttpResponse(html, status=413)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django has no setting for, on every response (static files included, so it
    sits outside whitenoise): Cross-Origin-Resource-Policy, which keeps other sites from
    embedding our pages and files, and a Permissions-Policy that turns every powerful
    browser feature off (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.resource_policy: str = settings.CROSS_ORIGIN_RESOURCE_POLICY
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", self.resource_policy)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response


class MemberPrivacyMiddleware:
    """What a signed-in member's browser may keep, and when their session was last used.

    - Every response to a signed-in member carries `Cache-Control: no-store`, so that no
      page or JSON of theirs stays in the browser's cache (or a proxy's) for the next
      person at the same computer. A request is a member's when it carries a session
      cookie (only signing in makes one) or when the view just signed someone in. That
      costs no query: a JSON view that never reads the session must not start reading
      it here (tests/forum/test_live.py pins its queries). Static files never reach this
      middleware: whitenoise answers them first.
    - Their sessions list shows the day each browser was last used. The session keeps the
      day it last counted (forum.account_views.BROWSER_SESSION_KEY, set at sign-in), so
      only the first request of a day writes anything; every other request compares two
      strings of a session the view has already read. A session begun before sessions
      were recorded (or by a test client's force_login) has no such mark and is left
      alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        read = session is not None and session.accessed
        if settings.SESSION_COOKIE_NAME in request.COOKIES or (
            read and session is not None and session.get(SESSION_KEY)
        ):
            response.headers["Cache-Control"] = "no-store"
        if read and session is not None:
            self._count_the_day(session)
        return response

    def _count_the_day(self, session: SessionBase) -> None:
        # Imported here, not at the top: settings name this module before the apps load.
        from forum import actions
        from forum.account_views import BROWSER_SESSION_KEY

        mark = session.get(BROWSER_SESSION_KEY)
        member_id = session.get(SESSION_KEY)
        if not isinstance(mark, dict) or member_id is None:
            return
        today = timezone.localdate().isoformat()
        key = session.session_key
        if mark.get("day") == today and mark.get("key") == key:
            return
        # A new day, or the key changed under the session (a new password cycles it):
        # the row follows the session.
        if key and actions.touch_browser_session(
            member_id=int(member_id), browser_session_id=int(mark.get("id", 0)), session_key=key
        ):
            session[BROWSER_SESSION_KEY] = {**mark, "day": today, "key": key}
        else:
            del session[BROWSER_SESSION_KEY]
