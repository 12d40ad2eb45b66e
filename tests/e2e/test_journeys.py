"""Journeys in a real browser: a follower's header count updates live when a new shared
entry is added, and their own "Saved" marks appear, under the enforced CSP."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from forum import actions
from forum.models import Member, Notification
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIVE_MS = 3_000


def _add_entry(page: Page, note: str, *, shared: bool) -> None:
    page.get_by_label(label("Note")).fill(note)
    page.get_by_label("Shared on my journey" if shared else "Only me").check()
    page.get_by_role("button", name="Add entry", exact=True).click()
    expect(page).to_have_url(re.compile(r"#entry-\d+$"))


def test_a_followers_header_count_updates_live_for_a_shared_entry_only(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
) -> None:
    walker = make_member("SlowRiver12")
    journey = actions.start_journey(author=walker, title="At my own pace", body="Day one.")
    follower = make_member("KindHeron30")

    sign_in(page, follower)
    page.goto(journey.get_absolute_url())
    page.get_by_role("button", name="Follow this journey").click()
    expect(page.get_by_role("button", name="Following — stop")).to_be_visible()
    with page.expect_websocket(lambda socket: socket.url.endswith("/ws/me/")):
        page.goto("/journeys/")
    count = page.locator("#unread-count")
    expect(count).to_be_hidden()

    writer = open_context().new_page()
    sign_in(writer, walker)
    writer.goto(journey.get_absolute_url())
    _add_entry(writer, "Only for me tonight.", shared=False)
    page.wait_for_timeout(1_000)
    expect(count).to_be_hidden()  # a private entry tells nobody

    writer.goto(journey.get_absolute_url())
    _add_entry(writer, "A calm session, shared.", shared=True)
    expect(count).to_be_visible(timeout=LIVE_MS)
    expect(count).to_have_text(re.compile(r"^\s*\(1 unread\)\s*$"))
    assert Notification.objects.filter(recipient=follower).count() == 1

    page.goto("/notifications/")
    page.get_by_role("button", name="At my own pace").click()
    expect(page.get_by_text("A calm session, shared.")).to_be_visible()
    expect(page.get_by_text("Only for me tonight.")).to_have_count(0)

    # Saving the opening post: the shared fragment's link, marked for this reader alone.
    opening = page.locator("article.post").first
    opening.get_by_role("link", name="Save", exact=True).click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(opening.get_by_role("link", name="Saved ✓")).to_be_visible(timeout=LIVE_MS)
    writer.goto(journey.get_absolute_url())
    expect(
        writer.locator("article.post").first.get_by_role("link", name="Save", exact=True)
    ).to_be_visible()
    assert page_log.errors == []
    assert page_log.csp_violations() == []
    assert page_log.foreign_requests(live_site) == []
