"""Wellbeing signposting in a real browser (issue 5, point 9): the composer opens the
"Get help now" note as the member writes, closes it when the words go, lets them hide it,
and never stops the post; the browser's matching agrees with the server's."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from forum import actions, signposting
from forum.models import Category, Member, Post, PostStatus, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import sign_in
from tests.forum.test_signposting import EVERYDAY, MENTIONS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CRISIS_REPLY = "Since the assault I sometimes want to die, and nobody knows."


@pytest.fixture
def thread(make_member: Callable[..., Member], category: Category) -> Thread:
    return actions.start_thread(
        author=make_member("OpensUp"),
        category=category,
        title="The parts that are hard to say",
        body="Say as much or as little as you like.",
    )


def test_composer_opens_the_note_while_writing_and_never_blocks_the_post(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    thread: Thread,
    make_member: Callable[..., Member],
) -> None:
    sign_in(page, make_member("WritesSlowly"))
    page.goto(f"/t/{thread.pk}/reply/")
    body = page.get_by_label("Your reply")
    note = page.get_by_role("complementary", name="Support is here if you need it")
    expect(note).to_be_hidden()

    body.fill("The first week with the dilators went better than I feared.")
    page.wait_for_timeout(600)
    expect(note).to_be_hidden()

    body.fill(CRISIS_REPLY)
    expect(note).to_be_visible()
    expect(note.get_by_role("link", name="Get help now")).to_have_attribute("target", "_blank")

    # Words gone, note gone; back again, and the member may hide it for good.
    body.fill("Maybe I will write this another day.")
    expect(note).to_be_hidden()
    body.fill(CRISIS_REPLY)
    expect(note).to_be_visible()
    note.get_by_role("button", name="Hide this note").click()
    expect(note).to_be_hidden()
    body.fill(CRISIS_REPLY + " Still here.")
    page.wait_for_timeout(600)
    expect(note).to_be_hidden()

    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_text("Still here.")).to_be_visible()
    reply = Post.objects.get(thread=thread, body=CRISIS_REPLY + " Still here.")
    assert reply.status == PostStatus.PUBLISHED
    assert page_log.csp_violations() == []
    assert page_log.errors == []


def test_browser_and_server_agree_on_every_draft(
    live_site: LiveSite, page: Page, page_log: PageLog, make_member: Callable[..., Member]
) -> None:
    sign_in(page, make_member("ChecksTwice"))
    page.goto("/new/")
    drafts = [*MENTIONS, *EVERYDAY, *(term.rstrip("*") for term in signposting.TERMS)]

    in_browser = page.evaluate(
        "([terms, drafts]) => drafts.map((d) => window.OwnPace.mentionsCrisis(terms, d))",
        [json.loads(signposting.terms_json()), drafts],
    )

    assert in_browser == [signposting.mentions_crisis(draft) for draft in drafts]
    assert any(in_browser)
    assert not all(in_browser)
    assert page_log.errors == []
