"""Privacy in a real browser: the pages ask nothing of any other host, run under the
enforced Content-Security-Policy without a violation, name only browser features the
browser knows (all turned off), and signing out clears the site from the browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from forum.models import BrowserSession, Member, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VISITOR_PAGES = ["/", "/c/questions-support/", "THREAD", "/login/", "/join/"]


@pytest.fixture
def thread(make_thread: Callable[..., Thread]) -> Thread:
    return make_thread(
        title="Small steps this week",
        body="A **first** step, a [link to the guidelines](/guidelines/) and a quote:\n\n> gently",
    )


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.ok, f"{path} answered {response.status}"
    headers = response.headers
    assert "content-security-policy-report-only" not in headers, path
    policy = headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy, f"{path} is not under the policy"
    assert "unsafe-inline" not in policy
    page.wait_for_load_state("networkidle")


def permissions_policy_complaints(log: PageLog) -> list[str]:
    # Chromium names each feature it does not know: "Error with Permissions-Policy header:
    # Unrecognized feature: '...'."
    return [text for text in log.console if "Permissions-Policy" in text]


def test_pages_ask_nothing_of_any_other_host(
    live_site: LiveSite, page: Page, page_log: PageLog, thread: Thread
) -> None:
    for path in VISITOR_PAGES:
        visit(page, thread.get_absolute_url() if path == "THREAD" else path)

    visited = {re.sub(r"^https?://[^/]+", "", address) for address in page_log.requests}
    assert {"/", "/login/", "/join/", thread.get_absolute_url()} <= visited
    # Style sheets and scripts were fetched, from here.
    assert any(address.endswith(".css") for address in page_log.requests)
    assert any(address.endswith(".js") for address in page_log.requests)
    assert page_log.foreign_requests(live_site) == []


def test_the_pages_run_under_the_policy_without_a_violation(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    thread: Thread,
    make_member: Callable[..., Member],
) -> None:
    for path in VISITOR_PAGES:
        visit(page, thread.get_absolute_url() if path == "THREAD" else path)

    # A member: the thread page with its reply form (typed into, as its scripts listen),
    # the settings and the sessions list.
    member = make_member("QuietFinch")
    sign_in(page, member)
    visit(page, thread.get_absolute_url())
    reply = page.get_by_label(label("Your reply"))
    expect(reply).to_be_visible()
    reply.fill("Thank you for writing this. I am taking it slowly too.")
    visit(page, "/settings/")
    visit(page, "/settings/sessions/")
    visit(page, "/notifications/")

    assert page_log.csp_violations() == []
    assert page_log.errors == []
    assert permissions_policy_complaints(page_log) == []
    assert page_log.foreign_requests(live_site) == []


def test_the_sessions_list_names_this_browser_and_signing_out_clears_the_site(
    live_site: LiveSite, page: Page, page_log: PageLog, make_member: Callable[..., Member]
) -> None:
    member = make_member("QuietWren")
    sign_in(page, member)

    visit(page, "/settings/sessions/")
    this_one = page.locator(".browser-session--this")
    expect(this_one).to_have_count(1)
    expect(this_one).to_contain_text("Chrome")
    expect(this_one).to_contain_text("This browser")
    assert list(BrowserSession.objects.filter(member=member).values_list("browser", flat=True)) == [
        "Chrome"
    ]

    # Something a page kept in the browser, and a cookie of the site.
    page.evaluate("localStorage.setItem('own-pace-test', 'kept')")
    visit(page, "/")
    assert page.evaluate("localStorage.getItem('own-pace-test')") == "kept"
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(f"{live_site.url}/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    assert page.evaluate("localStorage.getItem('own-pace-test')") is None
    assert not [cookie for cookie in page.context.cookies() if cookie["name"] == "sessionid"]
    assert not BrowserSession.objects.filter(member=member).exists()
    assert page_log.errors == []
