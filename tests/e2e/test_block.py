"""Blocking in a real browser (issue 6, point 8): a blocked member's named posts fold away
for the blocker behind "show", under the enforced Content-Security-Policy; their
anonymous posts stay as anyone's do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from forum import actions
from forum.models import Category, Member, Post, Thread
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NAMED = "You are doing it all wrong, obviously."
MASKED = "Something I only say anonymously."


@pytest.fixture
def thread(make_member: Callable[..., Member], category: Category) -> Thread:
    return actions.start_thread(
        author=make_member("OpeningAuthor"),
        category=category,
        title="How I started",
        body="Small steps, every day.",
    )


def test_a_blocked_members_post_folds_behind_show(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    thread: Thread,
    make_member: Callable[..., Member],
) -> None:
    unkind = make_member("UnkindVoice")
    named: Post = actions.post_reply(author=unkind, thread=thread, body=NAMED)
    masked: Post = actions.post_reply(author=unkind, thread=thread, body=MASKED, anonymous=True)
    sign_in(page, make_member("CarefulReader"))
    page.goto(thread.get_absolute_url())
    named_post = page.locator(f"#post-{named.pk}")
    expect(named_post.get_by_text(NAMED)).to_be_visible()

    # Block from the post's own controls, confirmed on a page of its own.
    page.get_by_role("link", name="Block UnkindVoice").click()
    page.get_by_role("button", name="Block", exact=True).click()

    expect(named_post.get_by_text("A post from someone you blocked")).to_be_visible()
    expect(named_post.get_by_text(NAMED)).to_be_hidden()
    # The same member's anonymous post cannot be told apart from anyone's: not folded.
    expect(page.locator(f"#post-{masked.pk}").get_by_text(MASKED)).to_be_visible()

    named_post.get_by_role("button", name="Show").click()
    expect(named_post.get_by_text(NAMED)).to_be_visible()
    expect(named_post.get_by_text("A post from someone you blocked")).to_be_hidden()

    assert page_log.csp_violations() == []
    assert page_log.errors == []
