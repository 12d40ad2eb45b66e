"""Discreet mode (issue 5, point 8) and the "Leave quickly" link every page carries
(point 7; its behaviour in a browser is in tests/e2e/test_leave_quickly.py).

Discreet mode gives every tab the neutral title "Notes" and a plain icon, keeps thread
titles out of the window title and the notifications list, and the site keeps nothing in
browser storage at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django.fixtures import Settings

from forum import actions
from forum.models import Member, Post, Thread
from forum.views import server_error
from tests.forum.test_notifications import NOTIFICATIONS_PAGE_QUERIES
from tests.forum.test_reading import HOME_QUERIES, THREAD_QUERIES
from tests.helpers import client_for

ThreadFactory = Callable[..., Thread]
MemberFactory = Callable[..., Member]

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Dilators and my first appointment"
NEUTRAL_TITLE = "Notes"
STATIC_JS = Path(settings.BASE_DIR) / "static" / "js"
# Every browser storage API a script could keep a draft in.
BROWSER_STORAGE = re.compile(
    r"localStorage|sessionStorage|indexedDB|IDBFactory|openDatabase|caches\s*\.|"
    r"CacheStorage|document\.cookie|navigator\.storage|showSaveFilePicker"
)


@pytest.fixture
def starter(make_member: MemberFactory) -> Member:
    return make_member("SteadyWren")


@pytest.fixture
def thread(make_thread: ThreadFactory, starter: Member) -> Thread:
    return make_thread(author=starter, title=SECRET_TITLE, body="Where did you begin?")


@pytest.fixture
def notified(thread: Thread, starter: Member, make_member: MemberFactory) -> list[Post]:
    """A reply in the starter's thread, and a reply that quotes the starter."""
    replier = make_member("PatientFern")
    reply = actions.post_reply(author=replier, thread=thread, body="Slowly, and it got easier.")
    quote = actions.post_reply(
        author=replier,
        thread=thread,
        body="> Where did you begin?\n\nWith a lot of patience.",
        quoted_post=thread.posts.order_by("pk").first(),
    )
    return [reply, quote]


def _discreet(member: Member) -> Member:
    actions.set_discreet_mode(member=member, enabled=True)
    member.refresh_from_db()
    return member


def _window_title(response: Any) -> str:
    found = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert found is not None, "the page has no <title>"
    return html.unescape(found.group(1)).strip()


def _icons(response: Any) -> list[str]:
    return re.findall(r'<link rel="icon" href="([^"]+)"', response.content.decode())


def _pages(thread: Thread) -> list[str]:
    return [
        reverse("forum:home"),
        reverse("forum:thread", args=[thread.pk]),
        reverse("forum:reply", args=[thread.pk]),
        reverse("forum:notifications"),
        reverse("forum:settings"),
        reverse("forum:about"),
    ]


# --- The window title and icon -----------------------------------------------------------


def test_pages_have_their_own_titles_and_icon_when_discreet_mode_is_off(
    thread: Thread, starter: Member
) -> None:
    client = client_for(starter)
    for path in _pages(thread):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _window_title(response).endswith("· Own Pace"), path
        assert _icons(response) == ["/static/icons/favicon.svg"], path
    assert SECRET_TITLE in _window_title(client.get(reverse("forum:thread", args=[thread.pk])))


def test_discreet_mode_gives_every_page_a_neutral_title_and_icon(
    thread: Thread, starter: Member, notified: list[Post]
) -> None:
    client = client_for(_discreet(starter))
    for path in _pages(thread):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _window_title(response) == NEUTRAL_TITLE, path
        assert _icons(response) == ["/static/icons/notes.svg"], path
        head = response.content.decode().split("</head>", 1)[0]
        assert SECRET_TITLE not in head, path
        assert "Own Pace" not in head, path


def test_the_neutral_icon_is_a_plain_self_hosted_svg() -> None:
    icon = (Path(settings.BASE_DIR) / "static" / "icons" / "notes.svg").read_text()
    assert icon.startswith("<svg")
    assert "http" not in icon.replace("http://www.w3.org/2000/svg", "")


def test_discreet_mode_is_per_member_and_visitors_see_the_usual_titles(
    thread: Thread, starter: Member, make_member: MemberFactory
) -> None:
    _discreet(starter)
    path = reverse("forum:thread", args=[thread.pk])
    assert SECRET_TITLE in _window_title(client_for(None).get(path))
    assert SECRET_TITLE in _window_title(client_for(make_member()).get(path))


# --- Notifications -----------------------------------------------------------------------


def test_notifications_show_thread_titles_when_discreet_mode_is_off(
    starter: Member, notified: list[Post]
) -> None:
    page = client_for(starter).get(reverse("forum:notifications")).content.decode()
    assert page.count(SECRET_TITLE) == 2


def test_notifications_leave_thread_titles_out_in_discreet_mode(
    starter: Member, notified: list[Post]
) -> None:
    client = client_for(_discreet(starter))
    reply, quote = notified
    # One of them read: it is a link instead of a button, and still has no title.
    opened = starter.notifications.get(post=reply)
    client.post(reverse("forum:open_notification", args=[opened.pk]))

    page = client.get(reverse("forum:notifications")).content.decode()
    assert SECRET_TITLE not in page
    assert "A reply in a thread you started" in page
    assert "A post that quotes you" in page
    # Each still leads to its post.
    assert f'href="{reverse("forum:post", args=[reply.pk])}"' in page
    unread = starter.notifications.get(post=quote)
    assert f'action="{reverse("forum:open_notification", args=[unread.pk])}"' in page


def test_the_live_unread_count_stays_in_discreet_mode(
    starter: Member, notified: list[Post]
) -> None:
    client = client_for(_discreet(starter))
    page = client.get(reverse("forum:home")).content.decode()
    assert 'id="notifications-link"' in page
    assert 'data-socket-path="/ws/me/"' in page
    assert "js/notifications.js" in page
    assert client.get(reverse("forum:unread_notifications")).json() == {"unread": 2}


# --- Query counts ------------------------------------------------------------------------


def test_discreet_mode_costs_no_query(
    thread: Thread, starter: Member, notified: list[Post], django_assert_num_queries: Any
) -> None:
    # The preference is read from request.user, which every signed-in page loads anyway.
    client = client_for(_discreet(starter))
    with django_assert_num_queries(HOME_QUERIES["member"]):
        client.get(reverse("forum:home"))
    with django_assert_num_queries(THREAD_QUERIES["member"]):
        client.get(reverse("forum:thread", args=[thread.pk]))
    with django_assert_num_queries(NOTIFICATIONS_PAGE_QUERIES):
        client.get(reverse("forum:notifications"))


# --- The preference form -----------------------------------------------------------------


def test_settings_shows_the_discreet_mode_form_with_its_current_state(starter: Member) -> None:
    client = client_for(starter)
    page = client.get(reverse("forum:settings")).content.decode()
    assert "Privacy on this device" in page
    assert f'action="{reverse("forum:preferences")}"' in page
    box = re.search(r'<input type="checkbox" name="discreet_mode"[^>]*>', page)
    assert box is not None
    assert "checked" not in box.group(0)

    _discreet(starter)
    page = client.get(reverse("forum:settings")).content.decode()
    box = re.search(r'<input type="checkbox" name="discreet_mode"[^>]*>', page)
    assert box is not None
    assert "checked" in box.group(0)


def test_the_preference_form_turns_discreet_mode_on_and_off(starter: Member) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(starter)
    settings_page = client.get(reverse("forum:settings"))
    token = settings_page.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        reverse("forum:preferences"), {"discreet_mode": "on", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("forum:settings")
    starter.refresh_from_db()
    assert starter.discreet_mode is True
    assert "Discreet mode is on." in client.get(reverse("forum:settings")).content.decode()

    # An unticked box is absent from the form: that turns it off.
    response = client.post(reverse("forum:preferences"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    starter.refresh_from_db()
    assert starter.discreet_mode is False


def test_the_preference_form_refuses_a_post_without_the_csrf_token(starter: Member) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(starter)
    response = client.post(reverse("forum:preferences"), {"discreet_mode": "on"})
    assert response.status_code == 403
    starter.refresh_from_db()
    assert starter.discreet_mode is False


def test_the_preference_form_is_only_for_signed_in_members(client: Client) -> None:
    response = client.post(reverse("forum:preferences"), {"discreet_mode": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("forum:login"))
    assert not Member.objects.filter(discreet_mode=True).exists()


def test_the_preference_form_takes_only_post(starter: Member) -> None:
    response = client_for(starter).get(reverse("forum:preferences"))
    assert response.status_code == 405


def test_set_discreet_mode_changes_only_that_members_preference(
    starter: Member, make_member: MemberFactory
) -> None:
    other = make_member()
    actions.set_discreet_mode(member=starter, enabled=True)
    assert Member.objects.get(pk=starter.pk).discreet_mode is True
    assert Member.objects.get(pk=other.pk).discreet_mode is False
    actions.set_discreet_mode(member=starter, enabled=False)
    assert Member.objects.get(pk=starter.pk).discreet_mode is False


# --- Nothing in browser storage ----------------------------------------------------------


def test_no_script_keeps_anything_in_browser_storage() -> None:
    # Drafts (or anything else) kept in the browser would outlive the tab on a shared
    # device. A future feature that needs storage must come with a discreet-mode switch
    # and a change to this test.
    scripts = sorted(STATIC_JS.rglob("*.js"))
    assert scripts, f"no scripts found in {STATIC_JS}"
    found = [
        f"{script.relative_to(STATIC_JS)}:{number}: {line.strip()}"
        for script in scripts
        for number, line in enumerate(script.read_text().splitlines(), 1)
        if BROWSER_STORAGE.search(line)
    ]
    assert found == []


def test_the_storage_scan_would_catch_each_api() -> None:
    for line in [
        'localStorage.setItem("draft", text);',
        "window.sessionStorage.draft = text;",
        'indexedDB.open("drafts");',
        'caches.open("v1");',
        'document.cookie = "draft=" + text;',
    ]:
        assert BROWSER_STORAGE.search(line), line


# --- The "Leave quickly" link on every page ------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "member", "discreet member"])
def test_every_page_has_a_leave_quickly_link_to_the_neutral_site(
    thread: Thread, starter: Member, settings: Settings, who: str
) -> None:
    settings.LEAVE_QUICKLY_URL = "https://neutral.example/weather?city=Oslo&units=metric"
    member = {"visitor": None, "member": starter, "discreet member": _discreet(starter)}[who]
    client = client_for(member)
    paths = [reverse("forum:home"), reverse("forum:thread", args=[thread.pk])]
    if member is None:
        paths += [reverse("forum:login"), reverse("forum:about"), "/no-such-page/"]
    else:
        paths += [reverse("forum:settings"), reverse("forum:notifications")]
    for path in paths:
        page = client.get(path).content.decode()
        link = re.search(r'<a class="leave-quickly"[^>]*>([^<]*)</a>', page)
        assert link is not None, path
        tag = link.group(0)
        assert link.group(1) == "Leave quickly"
        escaped = "https://neutral.example/weather?city=Oslo&amp;units=metric"
        assert f'href="{escaped}"' in tag
        assert f'data-leave-url="{escaped}"' in tag
        assert 'rel="noreferrer"' in tag
        assert "js/safety.js" in page
        assert "css/safety.css" in page
        # Early in the page: right after the skip link, before the header.
        assert page.index('class="leave-quickly"') < page.index('class="site-header"'), path


def test_the_server_error_page_has_the_leave_quickly_link_too(settings: Settings) -> None:
    # Rendered without the request (whatever failed must not be touched again), yet a
    # member who meets it may need to leave just as quickly.
    settings.LEAVE_QUICKLY_URL = "https://neutral.example/"
    page = server_error(RequestFactory().get("/")).content.decode()
    assert re.search(r'<a class="leave-quickly" [^>]*href="https://neutral.example/"', page)
    assert "js/safety.js" in page
