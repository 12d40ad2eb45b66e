"""Moderation in a real browser: a new member's first reply waits for approval, a
moderator signs in with a code from an authenticator app and approves it in the queue,
and a reader's open thread page shows it live, without a reload."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from forum.models import Member, Post, PostStatus, Thread, TrustLevel
from moderation import actions
from moderation.models import ReviewItem
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in
from tests.moderation.clients import authenticator, code_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIVE_MS = 2_000
BODY = "Hello, I am new here. Reading your stories helped me take the first step."


def test_a_new_members_reply_waits_then_appears_live_once_a_moderator_approves_it(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Your first small win")
    newcomer = make_member("BraveSeedling", trust=TrustLevel.NEW)
    moderator = make_member("SteadyKeeper")
    actions.make_moderator(member=moderator, by=None, reason="Runs the review queue")
    device = authenticator(moderator)

    # A moderator signs in, is asked for the authenticator's code, and opens the queue.
    desk = open_context().new_page()
    sign_in(desk, moderator)
    desk.goto("/moderation/")
    expect(desk).to_have_url(re.compile(r"/moderation/two-factor/\?next="))
    desk.get_by_label(label("Six-digit code from your authenticator app")).fill(code_now(device))
    # Once its socket is open, the queue page fetches its list: from then on it is live.
    with desk.expect_response(re.compile(r"/moderation/items/$")):
        desk.get_by_role("button", name="Continue", exact=True).click()
    expect(desk).to_have_url(re.compile(r"/moderation/$"))
    expect(desk.locator("#queue-items")).to_contain_text("Nothing waits for review")

    # The new member replies: the reply waits, and only they see it waiting.
    writer = page
    sign_in(writer, newcomer)
    writer.goto(thread.get_absolute_url())
    writer.get_by_label(label("Your reply")).fill(BODY)
    writer.get_by_role("button", name="Post reply", exact=True).click()
    held = writer.locator("#held-posts")
    expect(held).to_be_visible()
    expect(held).to_contain_text("Waiting for approval")
    expect(held).to_contain_text("Reading your stories helped me")
    post = Post.objects.get(body=BODY)
    assert post.status == PostStatus.HELD

    # A reader's page shows nothing of it.
    reader = open_context().new_page()
    reader.goto(thread.get_absolute_url())
    expect(reader.locator("#live-readers")).to_have_text("2 reading now")
    expect(reader.locator("#posts")).not_to_contain_text("Reading your stories")
    expect(reader.get_by_text("Waiting for approval")).to_have_count(0)

    # The moderator's open queue shows the new item without a reload.
    item = ReviewItem.objects.get(post=post, status=ReviewItem.Status.OPEN)
    card = desk.locator(f"#item-{item.pk}")
    expect(card).to_contain_text("BraveSeedling", timeout=LIVE_MS)
    # The text stays folded until the moderator chooses to read it.
    expect(card.locator(".queue-text .post-body")).not_to_be_visible()
    card.get_by_text("Show the post's text").click()
    expect(card.locator(".queue-text .post-body")).to_contain_text("Reading your stories")
    card.get_by_role("button", name="Approve", exact=True).click()
    expect(desk.locator(".messages")).to_contain_text("Approved")
    expect(desk.locator(f"#item-{item.pk}")).to_have_count(0)

    # The reader's open page shows it, without a reload.
    expect(reader.locator(f"#post-{post.pk} .post-body")).to_contain_text(
        "Reading your stories", timeout=LIVE_MS
    )
    assert page_log.csp_violations() == []
    assert page_log.errors == []
