"""The privacy and security headers, on each kind of response the site gives.

A visitor's page, a member's page, a member's JSON, the sign-out response and a static
file; and the cookie names and flags the production settings (HTTPS=true) give.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, override_settings

from forum.models import Member, Thread
from tests.conftest import PASSWORD
from tests.helpers import client_for, sign_in

pytestmark = pytest.mark.django_db

POWERFUL_FEATURES = [
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "browsing-topics",
    "display-capture",
    "serial",
    "hid",
]


@pytest.fixture
def thread(make_thread: Callable[..., Thread]) -> Thread:
    return make_thread()


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    assert "Content-Security-Policy-Report-Only" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} appears twice"
        directives[name] = values
    return directives


def assert_everywhere_headers(response: HttpResponse) -> None:
    """The headers every response carries, page or file, visitor or member."""
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer"}
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in response.headers
    permissions = dict(
        item.strip().split("=", 1) for item in response.headers["Permissions-Policy"].split(",")
    )
    for feature in POWERFUL_FEATURES:
        assert permissions.get(feature) == "()", f"{feature} is not turned off"
    # Everything named is turned off: nothing is allowed to any origin.
    assert set(permissions.values()) == {"()"}


def assert_strict_policy(response: HttpResponse) -> None:
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["img-src"] == ["'self'"]
    for name in ("script-src", "style-src", "font-src", "connect-src"):
        assert directives.get(name, ["'self'"]) == ["'self'"], name
    policy = response.headers["Content-Security-Policy"]
    for loophole in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "data:", "blob:", "*"):
        assert loophole not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_not_stored(response: HttpResponse) -> None:
    assert response.headers["Cache-Control"] == "no-store"


# --- Pages, JSON and files ------------------------------------------------------------


def test_a_visitors_page(thread: Thread) -> None:
    for path in ("/", thread.get_absolute_url(), "/login/", "/join/", "/c/questions-support/"):
        response = Client().get(path)
        assert response.status_code == 200, path
        assert_everywhere_headers(response)
        assert_strict_policy(response)
        # Reading gives a visitor no session.
        assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_a_members_pages_are_never_stored(member: Member, thread: Thread) -> None:
    client = client_for(member)
    for path in (
        "/",
        thread.get_absolute_url(),
        "/settings/",
        "/settings/sessions/",
        "/notifications/",
        "/c/questions-support/",
        f"/t/{thread.pk}/reply/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_everywhere_headers(response)
        assert_strict_policy(response)
        assert_not_stored(response)


def test_a_members_json_is_never_stored(member: Member, thread: Thread) -> None:
    client = client_for(member)
    opening = thread.posts.get().pk
    for path in ("/notifications/unread/", f"/t/{thread.pk}/posts/?after={opening}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "application/json"
        assert_everywhere_headers(response)
        assert_not_stored(response)


def test_a_members_redirects_and_errors_are_never_stored(member: Member) -> None:
    client = client_for(member)
    assert_not_stored(client.get("/t/999999/"))
    assert_not_stored(client.post("/settings/sessions/sign-out-others/"))


def test_the_sign_in_response_is_never_stored(member: Member) -> None:
    response = sign_in(Client(), member.pseudonym)
    assert response.status_code == 302
    assert_not_stored(response)


def test_signing_out_clears_the_site_from_the_browser(member: Member) -> None:
    client = client_for(member)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert_not_stored(response)
    assert_everywhere_headers(response)
    # The session cookie is removed too (for browsers that ignore Clear-Site-Data).
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""


def test_a_static_file_has_the_headers_but_may_be_cached(member: Member) -> None:
    for client in (Client(), client_for(member)):
        response = client.get("/static/css/site.css")
        assert response.status_code == 200
        assert_everywhere_headers(response)
        assert "no-store" not in response.headers.get("Cache-Control", "")
        # whitenoise answered: no session was read, no cookie set.
        assert not response.cookies


def test_the_413_page_for_a_member_is_never_stored(member: Member) -> None:
    response = client_for(member).post(
        "/new/", data=b"x", content_type="text/plain", CONTENT_LENGTH=str(10**7)
    )
    assert response.status_code == 413
    assert_not_stored(response)


# --- Production ---------------------------------------------------------------------


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """config/settings.py as production reads it, with HTTPS=true."""
    monkeypatch.setenv("HTTPS", "true")
    monkeypatch.setenv("SECRET_KEY", "a production key of enough length for the checks " * 2)
    return runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"))


COOKIE_SETTINGS = [
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
]


def test_production_cookies_take_the_host_prefix(production: dict[str, Any]) -> None:
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    # What the prefix requires of the cookie: Secure, Path=/, no Domain.
    for prefix in ("SESSION", "CSRF"):
        assert production[f"{prefix}_COOKIE_SECURE"] is True
        assert production[f"{prefix}_COOKIE_PATH"] == "/"
        assert production[f"{prefix}_COOKIE_DOMAIN"] is None
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_SSL_REDIRECT"] is True


def test_the_local_settings_keep_the_usual_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # Plain http://127.0.0.1 cannot keep a Secure cookie, so a __Host- name would lose it.
    monkeypatch.delenv("HTTPS", raising=False)
    local = runpy.run_path(str(settings.BASE_DIR / "config" / "settings.py"))
    assert local["SESSION_COOKIE_NAME"] == "sessionid"
    assert local["CSRF_COOKIE_NAME"] == "csrftoken"
    assert local["SECURE_HSTS_SECONDS"] == 0


def test_django_sends_production_cookies_as_the_prefix_requires(
    production: dict[str, Any], member: Member
) -> None:
    with override_settings(**{name: production[name] for name in COOKIE_SETTINGS}):
        client = Client()
        page = client.get("/login/", secure=True)
        response = client.post(
            "/login/",
            {
                "username": member.pseudonym,
                "password": PASSWORD,
                "csrfmiddlewaretoken": page.context["csrf_token"],
            },
            secure=True,
        )
        assert response.status_code == 302
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    cookies = SimpleCookie()
    for found in (page.cookies, response.cookies):
        for morsel in found.values():
            cookies[morsel.key] = morsel
    assert set(cookies) >= {"__Host-sessionid", "__Host-csrftoken"}
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        morsel = cookies[name]
        assert morsel["secure"] is True, name
        assert morsel["path"] == "/", name
        assert morsel["domain"] == "", name
        assert morsel["samesite"] == "Lax", name
    assert cookies["__Host-sessionid"]["httponly"] is True
