"""Content warnings in a real browser (issue 5, point 6): the reader's choice decides
what they see first, under the enforced Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from forum import actions
from forum.models import Category, Member, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BODY = "The examination itself was the hardest part for me."


@pytest.fixture
def thread(make_member: Callable[..., Member], category: Category) -> Thread:
    return actions.start_thread(
        author=make_member("WarnedAuthor"),
        category=category,
        title="My first appointment",
        body=BODY,
        warnings=["medical_examination"],
    )


def reader(make_member: Callable[..., Member], name: str, choice: str) -> Member:
    member = make_member(name)
    actions.set_content_warning_choices(member=member, choices={"medical_examination": choice})
    return member


def test_each_reader_sees_a_warned_post_as_they_chose(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    thread: Thread,
    make_member: Callable[..., Member],
) -> None:
    post = page.locator("article.post").first
    text = post.get_by_text(BODY)

    # Collapse (the default): the warning first, the text once the reader opens it.
    sign_in(page, reader(make_member, "FoldsThings", "collapse"))
    page.goto(thread.get_absolute_url())
    expect(post.get_by_text("Medical examination details")).to_be_visible()
    expect(text).to_be_hidden()
    post.get_by_text("Show this post").click()
    expect(text).to_be_visible()

    # Show: the text straight away.
    page.context.clear_cookies()
    sign_in(page, reader(make_member, "ShowsThings", "show"))
    page.goto(thread.get_absolute_url())
    expect(text).to_be_visible()

    # Hide: a note in the post's place, and a button to show it anyway.
    page.context.clear_cookies()
    sign_in(page, reader(make_member, "HidesThings", "hide"))
    page.goto(thread.get_absolute_url())
    note = post.get_by_text("A post with Medical examination details — hidden by your settings")
    expect(note).to_be_visible()
    expect(text).to_be_hidden()
    expect(post.get_by_text("Show this post")).to_be_hidden()
    post.get_by_role("button", name="Show it anyway").click()
    expect(text).to_be_visible()
    expect(note).to_be_hidden()

    # A visitor: collapsed.
    page.context.clear_cookies()
    page.goto(thread.get_absolute_url())
    expect(post.get_by_text("Show this post")).to_be_visible()
    expect(text).to_be_hidden()

    assert page_log.csp_violations() == []
    assert page_log.errors == []


def test_a_warned_reply_arriving_live_follows_each_readers_choice(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    thread: Thread,
    make_member: Callable[..., Member],
    open_context: Callable[[], BrowserContext],
) -> None:
    live_body = "The speculum was the part I dreaded most."
    sign_in(page, reader(make_member, "HidesLive", "hide"))
    page.goto(thread.get_absolute_url())
    expect(page.locator("#posts article.post")).to_have_count(1)

    writer = open_context().new_page()
    sign_in(writer, make_member("WritesLive"))
    writer.goto(f"/t/{thread.pk}/reply/")
    writer.get_by_label(label("Your reply")).fill(live_body)
    writer.get_by_label("Medical examination details").check()
    writer.get_by_role("button", name="Post reply", exact=True).click()

    arrived = page.locator("#posts article.post").nth(1)
    expect(arrived).to_be_attached()
    expect(
        arrived.get_by_text("A post with Medical examination details — hidden by your settings")
    ).to_be_visible()
    expect(arrived.get_by_text(live_body)).to_be_hidden()
    arrived.get_by_role("button", name="Show it anyway").click()
    expect(arrived.get_by_text(live_body)).to_be_visible()
    assert page_log.csp_violations() == []
    assert page_log.errors == []
