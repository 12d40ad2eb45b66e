"""The sessions list (Settings › Where you are signed in) and "Sign out everywhere else".

A browser joins the list when it signs in (the sign-in, join and recovery pages), shows
the day it started, the last day it was used and its browser family, and leaves the list
when it signs out, is signed out from elsewhere, or a new password ends it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import broadcast
from forum.account_views import BROWSER_SESSION_KEY, browser_family
from forum.models import BrowserSession, Member
from tests.conftest import PASSWORD
from tests.helpers import client_for, sign_in

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87"
)

# The session, the member, and the list's rows whose sessions are still live.
SESSIONS_PAGE_QUERIES = 3


def browser(user_agent: str = FIREFOX, **kwargs: Any) -> Client:
    return Client(HTTP_USER_AGENT=user_agent, **kwargs)


def signed_in_browser(member: Member, user_agent: str = FIREFOX, **kwargs: Any) -> Client:
    """A browser signed in through the sign-in page, as a person does it."""
    client = browser(user_agent, **kwargs)
    response = sign_in(client, member.pseudonym)
    assert response.status_code == 302, "the sign-in failed"
    return client


def session_key(client: Client) -> str:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert key
    return key


def session_exists(key: str) -> bool:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return bool(store().exists(key))


def is_signed_in(client: Client) -> bool:
    return client.get("/settings/").status_code == 200


@pytest.fixture(autouse=True)
def sockets_closed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """No test here opens a socket: closing a member's sockets only records their id."""
    closed: list[int] = []
    monkeypatch.setattr(broadcast, "close_member_sockets", closed.append)
    return closed


# --- The browser family is all that is kept of the browser -----------------------------


@pytest.mark.parametrize(
    ("user_agent", "family"),
    [
        (FIREFOX, "Firefox"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) FxiOS/127.0 Mobile", "Firefox"),
        (CHROME, "Chrome"),
        ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0.0.0 Safari/537.36", "Chrome"),
        ("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 CriOS/126.0 Mobile Safari/604.1", "Chrome"),
        (SAFARI, "Safari"),
        (EDGE, "Edge"),
        (CHROME + " OPR/111.0.0.0", "Other"),
        ("curl/8.5.0", "Other"),
        ("", "Other"),
    ],
)
def test_browser_family_names_only_the_family(user_agent: str, family: str) -> None:
    assert browser_family(user_agent) == family


def test_signing_in_records_the_session_with_its_family_day_and_nothing_else(
    member: Member,
) -> None:
    client = signed_in_browser(member, FIREFOX)

    row = BrowserSession.objects.get(member=member)
    assert row.session_key == session_key(client)
    assert row.browser == "Firefox"
    assert row.last_used_on == timezone.localdate()
    assert timezone.now() - row.started_at < datetime.timedelta(minutes=1)
    # The session remembers its row, the key it was recorded under and the day.
    assert client.session[BROWSER_SESSION_KEY] == {
        "id": row.pk,
        "key": row.session_key,
        "day": timezone.localdate().isoformat(),
    }
    # No column holds the user-agent string or any part of it beyond the family.
    stored = " ".join(str(value) for value in BrowserSession.objects.values_list().get())
    assert "Linux" not in stored
    assert "128.0" not in stored
    assert "Gecko" not in stored


def test_joining_and_recovering_record_the_session_too(
    db: None, make_member: Callable[..., Member]
) -> None:
    joining = browser(CHROME)
    response = joining.post(
        "/join/",
        {
            "pseudonym": "SteadyWillow",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    joined = Member.objects.get(pseudonym="SteadyWillow")
    assert list(BrowserSession.objects.filter(member=joined).values_list("browser", flat=True)) == [
        "Chrome"
    ]
    codes = re.findall(
        r"<li><code>([^<]+)</code></li>", joining.get("/join/codes/").content.decode()
    )
    assert len(codes) == 10

    recovering = browser(SAFARI)
    response = recovering.post(
        "/recover/",
        {
            "pseudonym": "SteadyWillow",
            "code": codes[0],
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    # Recovery ends every session of the account: only the recovering browser is left.
    assert not is_signed_in(joining)
    rows = BrowserSession.objects.filter(member=joined)
    assert [(row.browser, row.session_key) for row in rows] == [("Safari", session_key(recovering))]


def test_signing_out_removes_the_row(member: Member, sockets_closed: list[int]) -> None:
    client = signed_in_browser(member)
    other = signed_in_browser(member, CHROME)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert list(BrowserSession.objects.values_list("browser", flat=True)) == ["Chrome"]
    assert is_signed_in(other)


# --- The page ------------------------------------------------------------------------


def test_the_page_lists_each_browser_and_marks_this_one(member: Member) -> None:
    here = signed_in_browser(member, FIREFOX)
    signed_in_browser(member, EDGE)
    signed_in_browser(member, "curl/8.5.0")
    earlier = timezone.localdate() - datetime.timedelta(days=3)
    BrowserSession.objects.filter(browser="Edge").update(
        started_at=timezone.now() - datetime.timedelta(days=5), last_used_on=earlier
    )

    response = here.get("/settings/sessions/")

    assert response.status_code == 200
    html = response.content.decode()
    entries = re.findall(r'<li class="thread-row browser-session[^"]*">(.*?)</li>', html, re.S)
    assert len(entries) == 3
    assert "Firefox" in entries[0]
    assert "This browser" in entries[0]
    assert sum("This browser" in entry for entry in entries) == 1
    edge = next(entry for entry in entries if "Edge" in entry)
    assert f"last used on {date_filter(earlier, 'DATE_FORMAT')}" in edge
    assert any("Another browser" in entry for entry in entries)
    # No session key, address or user-agent string is on the page.
    for row in BrowserSession.objects.all():
        assert row.session_key not in html
    assert "curl" not in html
    assert "Windows" not in html


def test_the_page_leaves_out_sessions_that_ended(member: Member) -> None:
    here = signed_in_browser(member, FIREFOX)
    gone = signed_in_browser(member, CHROME)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=session_key(gone)).delete()  # expired and cleared, say

    html = here.get("/settings/sessions/").content.decode()

    assert "Firefox" in html
    assert "Chrome" not in html


def test_the_settings_page_links_to_it(member: Member) -> None:
    html = signed_in_browser(member).get("/settings/").content.decode()
    assert "Where you are signed in" in html
    assert 'href="/settings/sessions/"' in html


def test_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get("/settings/sessions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Client().post("/settings/sessions/sign-out-others/").status_code == 302


def test_the_page_costs_the_same_queries_however_many_browsers(
    member: Member, django_assert_num_queries: Any
) -> None:
    here = signed_in_browser(member)
    with django_assert_num_queries(SESSIONS_PAGE_QUERIES):
        here.get("/settings/sessions/")
    for _n in range(6):
        signed_in_browser(member, CHROME)
    with django_assert_num_queries(SESSIONS_PAGE_QUERIES):
        response = here.get("/settings/sessions/")
    assert response.content.decode().count('class="thread-row browser-session') == 7


# --- Sign out everywhere else ---------------------------------------------------------


def test_signing_out_everywhere_else_ends_the_other_sessions(
    member: Member,
    make_member: Callable[..., Member],
    sockets_closed: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    here = signed_in_browser(member, FIREFOX)
    others = [signed_in_browser(member, CHROME), signed_in_browser(member, SAFARI)]
    other_keys = [session_key(client) for client in others]
    someone_else = make_member("GentleRiver")
    theirs = signed_in_browser(someone_else, EDGE)

    with django_capture_on_commit_callbacks(execute=True):
        response = here.post("/settings/sessions/sign-out-others/")

    assert response.status_code == 302
    assert response["Location"] == "/settings/sessions/"
    assert "2 other browsers are signed out." in here.get(response["Location"]).content.decode()
    # Their sessions are gone from the session store, not only refused later.
    assert not any(session_exists(key) for key in other_keys)
    assert not any(is_signed_in(client) for client in others)
    assert is_signed_in(here)
    assert session_exists(session_key(here))
    assert list(BrowserSession.objects.filter(member=member).values_list("browser", flat=True)) == [
        "Firefox"
    ]
    # The member's sockets close (this browser's pages reconnect); nobody else's do.
    assert sockets_closed == [member.pk]
    assert is_signed_in(theirs)
    assert BrowserSession.objects.filter(member=someone_else).count() == 1


def _csrf_token(client: Client, path: str) -> str:
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(path).content.decode()
    )
    assert token is not None
    return token.group(1)


def test_signing_out_everywhere_else_needs_the_csrf_token(member: Member) -> None:
    here = browser(FIREFOX, enforce_csrf_checks=True)
    signed = sign_in(here, member.pseudonym, csrfmiddlewaretoken=_csrf_token(here, "/login/"))
    assert signed.status_code == 302
    other = signed_in_browser(member, CHROME)

    refused = here.post("/settings/sessions/sign-out-others/")

    assert refused.status_code == 403
    assert is_signed_in(other)
    # With the token from the page, it works.
    accepted = here.post(
        "/settings/sessions/sign-out-others/",
        {"csrfmiddlewaretoken": _csrf_token(here, "/settings/sessions/")},
    )
    assert accepted.status_code == 302
    assert not is_signed_in(other)


def test_signing_out_everywhere_else_is_a_post(member: Member) -> None:
    here = signed_in_browser(member)
    other = signed_in_browser(member, CHROME)
    assert here.get("/settings/sessions/sign-out-others/").status_code == 405
    assert is_signed_in(other)


# --- A new password -----------------------------------------------------------------


def test_a_new_password_ends_the_other_sessions_and_the_row_follows_this_one(
    member: Member,
) -> None:
    here = signed_in_browser(member, FIREFOX)
    other = signed_in_browser(member, CHROME)
    other_key = session_key(other)
    key_before = session_key(here)

    response = here.post(
        "/settings/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a different long passphrase",
            "new_password2": "a different long passphrase",
        },
    )

    assert response.status_code == 302
    assert not session_exists(other_key)
    assert not is_signed_in(other)
    assert is_signed_in(here)
    # Django gives this session a new key; its row follows it.
    key_after = session_key(here)
    assert key_after != key_before
    row = BrowserSession.objects.get(member=member)
    assert (row.browser, row.session_key) == ("Firefox", key_after)
    html = here.get("/settings/sessions/").content.decode()
    assert "This browser" in html


# --- The last day used: one write a day at most ------------------------------------


def _browser_session_writes(client: Client, path: str = "/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [
        query["sql"]
        for query in queries.captured_queries
        if "forum_browsersession" in query["sql"]
        or query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_the_last_used_day_is_written_once_a_day(member: Member) -> None:
    client = signed_in_browser(member)
    row = BrowserSession.objects.get()

    # The day of the sign-in: nothing is written.
    assert _browser_session_writes(client) == []

    # The next day (the session counted yesterday): the row and the session are written,
    # once.
    long_ago = timezone.localdate() - datetime.timedelta(days=4)
    BrowserSession.objects.filter(pk=row.pk).update(last_used_on=long_ago)
    session = client.session
    session[BROWSER_SESSION_KEY] = {
        **session[BROWSER_SESSION_KEY],
        "day": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
    }
    session.save()
    writes = _browser_session_writes(client)
    assert len([sql for sql in writes if "forum_browsersession" in sql]) == 1
    row.refresh_from_db()
    assert row.last_used_on == timezone.localdate()
    assert client.session[BROWSER_SESSION_KEY]["day"] == timezone.localdate().isoformat()

    # Later that day: nothing again.
    assert _browser_session_writes(client) == []
    assert _browser_session_writes(client, "/settings/") == []


def test_a_session_without_a_row_is_left_alone(member: Member) -> None:
    # A session begun before sessions were recorded (as force_login makes one).
    client = client_for(member)
    assert _browser_session_writes(client) == []
    assert not BrowserSession.objects.exists()
    assert SESSION_KEY in client.session


def test_a_session_whose_row_is_gone_forgets_it(member: Member) -> None:
    client = signed_in_browser(member)
    BrowserSession.objects.all().delete()
    session = client.session
    session[BROWSER_SESSION_KEY] = {**session[BROWSER_SESSION_KEY], "day": "2000-01-01"}
    session.save()

    client.get("/")

    assert BROWSER_SESSION_KEY not in client.session
    assert not BrowserSession.objects.exists()
    assert is_signed_in(client)
