"""The moderators' pages in a real browser: the live queue never wipes a reason being
typed, relative times keep their exact date at hand (and the log shows it outright), and
the log reads on a phone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.utils import formats, timezone
from playwright.sync_api import BrowserContext, Page, Route, expect

from forum import actions as forum_actions
from forum.guidelines import Guideline
from forum.models import Member, Post, Thread, TrustLevel
from moderation import actions
from moderation.models import LogEntry, ReviewItem
from tests.e2e.conftest import LiveSite, PageLog
from tests.e2e.pages import label, sign_in
from tests.moderation.clients import authenticator, code_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIVE_MS = 2_000
REASON = "Kind, but it names her clinic in Utrecht: asking the author to take it out."


def a_moderator(make_member: Callable[..., Member], pseudonym: str) -> Member:
    moderator = make_member(pseudonym)
    actions.make_moderator(member=moderator, by=None, reason="Runs the review queue")
    return moderator


def open_as_moderator(page: Page, moderator: Member, path: str) -> None:
    """Sign in, pass the two-factor prompt and land on `path`."""
    device = authenticator(moderator)
    sign_in(page, moderator)
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/moderation/two-factor/\?next="))
    page.get_by_label(label("Six-digit code from your authenticator app")).fill(code_now(device))
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def held_reply(thread: Thread, make_member: Callable[..., Member], body: str) -> Post:
    author = make_member(trust=TrustLevel.NEW)
    return forum_actions.post_reply(author=author, thread=thread, body=body)


def exact(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")  # type: ignore[arg-type]


def test_the_live_queue_keeps_a_reason_typed_while_the_new_list_was_on_its_way(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    open_context: Callable[[], BrowserContext],
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Your first small win")
    first = held_reply(thread, make_member, "Hello, I am new here and a bit nervous.")
    item = ReviewItem.objects.get(post=first, status=ReviewItem.Status.OPEN)
    moderator = a_moderator(make_member, "SteadyKeeper")

    desk = page
    with desk.expect_response(re.compile(r"/moderation/items/$")):
        open_as_moderator(desk, moderator, "/moderation/")
    expect(desk.locator(f"#item-{item.pk}")).to_be_visible()

    # From now on the queue's list requests wait until the test lets them through.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    desk.route(re.compile(r"/moderation/items/$"), hold)

    # A new member replies in another browser: the queue changes, and the open queue
    # page asks for the new list while the moderator's reason field is still empty.
    writer = open_context().new_page()
    sign_in(writer, make_member("BraveSeedling", trust=TrustLevel.NEW))
    writer.goto(thread.get_absolute_url())
    writer.get_by_label(label("Your reply")).fill("Reading your stories helped me today.")
    writer.get_by_role("button", name="Post reply", exact=True).click()
    expect(writer.locator("#held-posts")).to_contain_text("Waiting for approval")
    deadline = time.monotonic() + LIVE_MS / 1000 * 3
    while not held and time.monotonic() < deadline:
        desk.wait_for_timeout(50)
    assert held, "the queue page did not ask for the new list"

    # Meanwhile the moderator starts writing a reason, then looks away from the field.
    reason = desk.locator(f"#item{item.pk}_reason")
    reason.fill(REASON)
    desk.locator("h1").click()

    # The new list arrives: the moderator's words stay, and a button offers the new list.
    held[0].continue_()
    expect(desk.locator("#queue-changed")).to_be_visible(timeout=LIVE_MS)
    expect(reason).to_have_value(REASON)
    desk.unroute(re.compile(r"/moderation/items/$"))

    # Choosing the new list shows the new reply.
    desk.get_by_role("button", name="Show the new queue", exact=True).click()
    expect(desk.locator("#queue-items")).to_contain_text("BraveSeedling", timeout=LIVE_MS)
    expect(desk.locator("#queue-changed")).to_be_hidden()
    assert page_log.errors == []


def test_relative_times_keep_the_exact_date_and_the_log_shows_it_outright(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    thread = make_thread(title="Starting with dilators")
    held = held_reply(thread, make_member, "Hello, I am new here.")
    item = ReviewItem.objects.get(post=held, status=ReviewItem.Status.OPEN)
    moderator = a_moderator(make_member, "SteadyKeeper")
    actions.lock_thread(moderator=moderator, thread=thread, reason="Cooling down")
    entry = LogEntry.objects.filter(action=LogEntry.Action.LOCK_THREAD).get()

    open_as_moderator(page, moderator, "/moderation/")
    when = page.locator(f"#item-{item.pk} time")
    expect(when).to_have_attribute("title", exact(item.created_at))
    expect(when).not_to_have_text(exact(item.created_at))

    page.goto("/moderation/log/")
    logged = page.locator("table.mod-log time").first
    expect(logged).to_have_text(exact(entry.created_at))
    assert page_log.errors == []


def test_the_log_reads_on_a_phone(
    live_site: LiveSite,
    page: Page,
    make_member: Callable[..., Member],
    make_thread: Callable[..., Thread],
) -> None:
    post = make_thread(title="A thread with a fairly long title about first steps").posts.get()
    moderator = a_moderator(make_member, "SteadyKeeper")
    actions.hide_post(
        moderator=moderator,
        post=post,
        reason="It pressed another member to try something before she was ready.",
        guideline=Guideline.NO_PRESSURE,
    )
    page.set_viewport_size({"width": 420, "height": 900})
    open_as_moderator(page, moderator, "/moderation/log/")
    reason = page.get_by_text("It pressed another member to try something")
    expect(reason).to_be_visible()
    box = reason.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 420
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 420
