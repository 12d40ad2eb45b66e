"""Reactions in a real browser: pressing one needs no reload, and another reader's page
shows the new count over the socket, with nothing blocked by the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from forum.models import Member, Thread
from tests.e2e.conftest import REPORT_CSP_VIOLATIONS, LiveSite, PageLog
from tests.e2e.pages import sign_in
from tests.e2e.test_live_thread import post_reply

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIVE_MS = 2_000


def test_a_reaction_updates_another_readers_count_live(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(author=make_member("SteadyWillow8"), title="First week with size two")
    opening = thread.posts.get()
    reactor = page
    sign_in(reactor, make_member("GentleOtter3"))
    reactor.goto(thread.get_absolute_url())
    observer = open_context().new_page()
    observer_console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        observer_console.append(message.text)

    observer.on("console", on_console)
    observer.add_init_script(REPORT_CSP_VIOLATIONS)
    sign_in(observer, make_member("QuietFinch5"))
    observer.goto(thread.get_absolute_url())
    expect(observer.locator("#live-readers")).to_have_text("2 reading now")

    # The page is not reloaded: a mark left on it stays.
    reactor.evaluate("window.stillThisPage = true")
    hug = reactor.locator(f"#reactions-{opening.pk}").get_by_role("button", name="Hug")
    expect(hug).to_have_attribute("aria-pressed", "false")
    hug.click()
    expect(hug).to_have_attribute("aria-pressed", "true")
    expect(reactor.locator(f"#reaction-counts-{opening.pk}")).to_have_text("Hug 1")
    assert reactor.evaluate("window.stillThisPage") is True

    counts = observer.locator(f"#reaction-counts-{opening.pk}")
    expect(counts).to_have_text("Hug 1", timeout=LIVE_MS)
    # The observer's own buttons stay theirs: nothing of the other member's pressed state.
    observer_hug = observer.locator(f"#reactions-{opening.pk}").get_by_role("button", name="Hug")
    expect(observer_hug).to_have_attribute("aria-pressed", "false")

    # Taken back, the count goes from every page.
    hug.click()
    expect(hug).to_have_attribute("aria-pressed", "false")
    expect(counts).to_have_text("", timeout=LIVE_MS)

    assert page_log.csp_violations() == []
    assert page_log.errors == []
    assert page_log.foreign_requests(live_site) == []
    assert [text for text in observer_console if "Content Security Policy" in text] == []


def test_a_reply_that_arrives_live_takes_reactions_and_counts_as_read(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(author=make_member("SteadyWillow8"), title="A quiet evening")
    reader = page
    sign_in(reader, make_member("GentleOtter3"))
    reader.goto(thread.get_absolute_url())
    writer = open_context().new_page()
    sign_in(writer, make_member("QuietFinch5"))
    writer.goto(thread.get_absolute_url())
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")

    read_path = f"/t/{thread.pk}/read/"
    with reader.expect_response(lambda response: response.url.endswith(read_path)) as marked:
        reply = post_reply(writer, "Thinking of you tonight.")
        expect(reader.locator(f"#post-{reply.pk}")).to_be_visible(timeout=LIVE_MS)
    # Shown on the reader's screen, the live reply is read.
    assert marked.value.status == 204
    hug = reader.locator(f"#reactions-{reply.pk}").get_by_role("button", name="Hug")
    hug.click()
    expect(hug).to_have_attribute("aria-pressed", "true")
    expect(reader.locator(f"#reaction-counts-{reply.pk}")).to_have_text("Hug 1")
    expect(writer.locator(f"#reaction-counts-{reply.pk}")).to_have_text("Hug 1", timeout=LIVE_MS)

    # The category list has nothing new for the reader.
    reader.goto(thread.category.get_absolute_url())
    row = reader.locator(".thread-row", has_text="A quiet evening")
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("New replies")
    assert page_log.csp_violations() == []
    assert page_log.errors == []
