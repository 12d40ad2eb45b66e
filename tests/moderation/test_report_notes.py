"""Reporters' own words reach the moderators: the notes of a post's open reports show in
the queue and on the moderator's post page, under their reason, and never with who wrote
them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.guidelines import Guideline
from forum.models import Member, Post, Thread
from moderation import actions
from moderation.models import Report, ReportReason
from tests.moderation.clients import verified_client

ReportFactory = Callable[..., Report]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def mod_client(moderator: Member) -> Client:
    return verified_client(moderator)


@pytest.fixture
def published(make_thread: Callable[..., Thread], make_member: Callable[..., Member]) -> Post:
    return make_thread(author=make_member("WarmMaple"), title="Talking to a physio").posts.get()


def _reason_block(html: str, label: str) -> str:
    """The list item of one reason, with whatever is nested under it."""
    blocks = [block for block in html.split('class="queue-reason"') if label in block]
    assert len(blocks) == 1, label
    return blocks[0].split("</ul>\n")[0]


def test_queue_shows_each_reports_note_under_its_reason_without_the_reporter(
    published: Post,
    make_member: Callable[..., Member],
    make_report: ReportFactory,
    mod_client: Client,
) -> None:
    worried = make_member("WorriedFern")
    shop = make_member("ShopSpotter")
    make_report(
        published,
        reporter=worried,
        reason=ReportReason.AT_RISK,
        note="They wrote they cannot go on; please check on them.",
    )
    make_report(
        published, reporter=shop, reason=ReportReason.OTHER, note="Same words as in another thread"
    )
    make_report(published, reason=ReportReason.AT_RISK)

    html = mod_client.get(reverse("moderation:queue")).content.decode()

    at_risk = text_of(_reason_block(html, "Someone may be at risk"))
    assert "× 2" in at_risk
    assert "They wrote they cannot go on; please check on them." in at_risk
    assert "Same words as in another thread" not in at_risk
    other = text_of(_reason_block(html, "Something else"))
    assert "Same words as in another thread" in other
    for reporter in (worried, shop):
        assert reporter.pseudonym not in html


def test_queue_notes_are_escaped(
    published: Post, make_report: ReportFactory, mod_client: Client
) -> None:
    make_report(published, reason=ReportReason.OTHER, note="<script>alert(1)</script> odd post")
    html = mod_client.get(reverse("moderation:queue_items")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; odd post" in html


def test_queue_leaves_out_the_notes_of_decided_reports(
    published: Post,
    make_report: ReportFactory,
    moderator: Member,
    mod_client: Client,
) -> None:
    first = make_report(published, reason=ReportReason.SPAM, note="A link to a shop")
    actions.dismiss_reports(
        moderator=moderator,
        item=first.item,
        seen_version=first.item.version,
        reason="A personal story",
    )
    make_report(published, reason=ReportReason.SPAM, note="Again the same shop link")
    html = mod_client.get(reverse("moderation:queue")).content.decode()
    assert "Again the same shop link" in html
    assert "A link to a shop" not in html


def test_post_page_shows_the_open_reports_reasons_and_notes_without_reporters(
    published: Post,
    make_member: Callable[..., Member],
    make_report: ReportFactory,
    mod_client: Client,
) -> None:
    reporter = make_member("QuietLark")
    make_report(
        published,
        reporter=reporter,
        reason=ReportReason.MEDICAL,
        note="Recommends stopping prescribed treatment.",
    )
    html = mod_client.get(reverse("moderation:post", args=[published.pk])).content.decode()
    block = text_of(_reason_block(html, "Unsafe or misleading medical advice"))
    assert "× 1" in block
    assert "Recommends stopping prescribed treatment." in block
    assert reporter.pseudonym not in html


def test_post_page_shows_no_reports_once_they_are_decided(
    published: Post, make_report: ReportFactory, moderator: Member, mod_client: Client
) -> None:
    make_report(published, reason=ReportReason.HARASSMENT, note="Pushing someone to hurry")
    actions.hide_post(
        moderator=moderator, post=published, reason="Pressure", guideline=Guideline.NO_PRESSURE
    )
    html = mod_client.get(reverse("moderation:post", args=[published.pk])).content.decode()
    assert "Pushing someone to hurry" not in html
    assert "Open reports" not in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_queue_with_notes_costs_the_same_queries_for_one_report_or_many(
    make_thread: Callable[..., Thread], make_report: ReportFactory, mod_client: Client
) -> None:
    url = reverse("moderation:queue")
    make_report(make_thread().posts.get(), reason=ReportReason.SPAM, note="An advert")
    few = _queries(mod_client, url)
    for n in range(4):
        post = make_thread().posts.get()
        make_report(post, reason=ReportReason.SPAM, note=f"Advert number {n}")
        make_report(post, reason=ReportReason.OTHER, note=f"Odd, see thread {n}")
        make_report(post, reason=ReportReason.MEDICAL)
    assert _queries(mod_client, url) == few


def test_post_page_costs_the_same_queries_for_one_report_or_many(
    published: Post, make_report: ReportFactory, mod_client: Client
) -> None:
    url = reverse("moderation:post", args=[published.pk])
    make_report(published, reason=ReportReason.SPAM, note="An advert")
    few = _queries(mod_client, url)
    for n in range(4):
        make_report(published, reason=ReportReason.OTHER, note=f"Odd, see thread {n}")
    assert _queries(mod_client, url) == few
