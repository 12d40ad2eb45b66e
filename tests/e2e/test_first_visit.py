"""A first visit in a real browser: join, save the codes, start a thread, reply, quote."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from forum.models import Member, Post, Thread, TrustLevel
from moderation.actions import set_trust_level
from tests.conftest import PASSWORD
from tests.e2e.conftest import LiveSite, PageLog

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREAD_TITLE = "Where do I even start?"
THREAD_BODY = (
    "I finally made an appointment and I am **really nervous** about it.\n\n"
    "Did anyone else feel like this before the first one?"
)
REPLY_BODY = "Yes, me too. It went better than I feared; *take your time*."


def label(text: str) -> re.Pattern[str]:
    """A form label exactly, with or without the colon Django adds."""
    return re.compile(rf"^{re.escape(text)}:?$")


def test_first_visit_joins_starts_a_thread_replies_and_quotes(
    live_site: LiveSite, page: Page, page_log: PageLog
) -> None:
    # The home page, with its security policy.
    response = page.goto("/")
    assert response is not None
    assert response.ok
    policy = response.headers.get("content-security-policy")
    assert policy is not None, "the home page has no Content-Security-Policy header"
    assert "default-src 'self'" in policy

    # Join: one of three suggested pseudonyms fills the field.
    page.get_by_role("link", name="Join", exact=True).click()
    expect(page).to_have_url(f"{live_site.url}/join/")
    suggestions = page.locator("button.suggestion")
    expect(suggestions).to_have_count(3)
    chosen = suggestions.nth(1)
    pseudonym = chosen.inner_text().strip()
    assert pseudonym
    chosen.click()
    expect(page.get_by_label(label("Pseudonym"))).to_have_value(pseudonym)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label(label("Password again")).fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    # The recovery codes are shown once.
    expect(page).to_have_url(f"{live_site.url}/join/codes/")
    codes = page.locator("ol.recovery-codes li")
    expect(codes).to_have_count(10)
    assert len({text.strip() for text in codes.all_inner_texts()}) == 10
    page.get_by_role("button", name="I have saved my codes").click()
    expect(page).to_have_url(f"{live_site.url}/")
    assert Member.objects.filter(pseudonym=pseudonym).count() == 1
    # A new member's first posts wait for a moderator (tests/e2e/test_moderation_flow.py
    # walks that path); an operator trusts this one, as `manage.py settrust` would.
    joined = Member.objects.get(pseudonym=pseudonym)
    set_trust_level(
        moderator=None,
        member=joined,
        level=TrustLevel.MEMBER,
        locked=False,
        reason="a first visit in a browser test",
    )

    # A new thread, its Markdown rendered.
    page.get_by_role("link", name="New thread", exact=True).click()
    expect(page).to_have_url(f"{live_site.url}/new/")
    page.get_by_label(label("Category")).select_option(label="Questions & support")
    page.get_by_label(label("Title")).fill(THREAD_TITLE)
    page.get_by_label(label("Your post")).fill(THREAD_BODY)
    page.get_by_role("button", name="Start thread", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_site.url)}/t/\d+/$"))
    thread = Thread.objects.get(title=THREAD_TITLE)
    assert thread.author.pseudonym == pseudonym
    expect(page.get_by_role("heading", level=1)).to_have_text(THREAD_TITLE)
    posts = page.locator("#posts article.post")
    expect(posts).to_have_count(1)
    expect(posts.first.locator(".post-body strong")).to_have_text("really nervous")

    # A reply appears on the thread page.
    page.get_by_label(label("Your reply")).fill(REPLY_BODY)
    page.get_by_role("button", name="Post reply", exact=True).click()
    reply = Post.objects.filter(thread=thread).order_by("-id").first()
    assert reply is not None
    expect(page).to_have_url(f"{live_site.url}{thread.get_absolute_url()}#post-{reply.pk}")
    expect(posts).to_have_count(2)
    expect(posts.nth(1).locator(".post-body")).to_contain_text("Yes, me too.")
    expect(posts.nth(1).locator(".post-body em")).to_have_text("take your time")

    # Quote the first post: the reply form opens with it as a Markdown block quote.
    posts.first.get_by_role("link", name="Quote").click()
    expect(page).to_have_url(re.compile(rf"/t/{thread.pk}/reply/\?quote=\d+$"))
    quoted = page.get_by_label(label("Your reply")).input_value()
    assert quoted.startswith("> ")
    assert f"> **{pseudonym} wrote:**" in quoted
    assert "> I finally made an appointment and I am **really nervous** about it." in quoted
    assert "> Did anyone else feel like this before the first one?" in quoted

    # Nothing left the site, nothing was refused by the policy, no script failed.
    assert page_log.requests, "no request was recorded"
    assert page_log.foreign_requests(live_site) == []
    assert page_log.csp_violations() == []
    assert page_log.errors == []


def test_relative_dates_show_relative_text_and_keep_the_exact_date_in_the_title(
    live_site: LiveSite,
    page: Page,
    page_log: PageLog,
    make_thread: Callable[..., Thread],
    make_reply: Callable[..., Post],
) -> None:
    thread = make_thread(title="Dates in words")
    three_days_ago = timezone.now() - timedelta(days=3)
    Post.objects.filter(thread=thread).update(created_at=three_days_ago)
    make_reply(thread)
    first, latest = Post.objects.filter(thread=thread).order_by("id")

    page.goto(thread.get_absolute_url())

    times = page.locator("#posts article.post time")
    expect(times).to_have_count(2)
    expect(times.nth(0)).to_have_text("3 days ago")
    expect(times.nth(1)).to_have_text(re.compile(r"\bnow\b|second|minute|ago"))
    with translation.override("en"):
        for shown, post in zip(times.all(), (first, latest), strict=True):
            exact = date_filter(timezone.localtime(post.created_at), "DATETIME_FORMAT")
            expect(shown).to_have_attribute("title", exact)
            assert shown.inner_text() != exact
    assert page_log.csp_violations() == []
    assert page_log.errors == []
