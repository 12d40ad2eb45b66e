"""The public transparency page: monthly counts of actions, guidelines and report reasons,
and the median time to a first review. No names and no content, ever."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum.guidelines import Guideline
from forum.models import Member, Post, Thread
from moderation import actions
from moderation.models import ReportReason, ReviewItem

URL = reverse("moderation:transparency")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_transparency_with_nothing_to_show_shows_no_months(db: None) -> None:
    html = Client().get(URL).content.decode()
    assert "Nothing to show yet." in html
    assert "transparency-month" not in html


def test_transparency_counts_actions_guidelines_and_reasons_without_names_or_text(
    make_member: Callable[..., Member],
    make_moderator: Callable[..., Member],
    make_thread: Callable[..., Thread],
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    moderator = make_moderator("FairWillow")
    author = make_member("LoudHawk")
    reporter = make_member("WatchfulDove")
    post = make_thread(
        author=author, title="A title nobody should see", body="Secret body words"
    ).posts.get()
    report = actions.report_post(
        reporter=reporter, post=post, reason=ReportReason.HARASSMENT, note="note words"
    )
    actions.hide_post(
        moderator=moderator,
        post=post,
        reason="Private reasoning words",
        guideline=Guideline.NO_PRESSURE,
        item=report.item,
        seen_version=report.item.version,
    )
    held, item = make_held_reply(body="Held body words")
    actions.approve_post(moderator=moderator, item=item, seen_version=item.version)

    html = Client().get(URL).content.decode()
    shown = text_of(html)
    assert timezone.now().strftime("%B %Y") in shown
    assert "Removed a post 1" in shown
    assert "Approved a post 1" in shown
    assert "Consent leads, pressure never does 1" in shown
    assert "Harassment or pressure 1" in shown
    assert "Median time to review" in shown
    for secret in (
        moderator.pseudonym,
        author.pseudonym,
        reporter.pseudonym,
        held.author.pseudonym,
        "A title nobody should see",
        "Secret body words",
        "Held body words",
        "note words",
        "Private reasoning words",
    ):
        assert secret not in html


def test_transparency_median_time_to_review_per_month(
    make_moderator: Callable[..., Member],
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    moderator = make_moderator("EvenPine")
    waits = [timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=5)]
    for wait in waits:
        _post, item = make_held_reply()
        ReviewItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - wait)
        item.refresh_from_db()
        actions.approve_post(moderator=moderator, item=item, seen_version=item.version)
    shown = text_of(Client().get(URL).content.decode())
    assert "Median time to review: 30 min (3 items reviewed)" in shown


@pytest.mark.django_db
def test_transparency_leaves_out_a_month_with_nothing(
    make_moderator: Callable[..., Member],
    make_held_reply: Callable[..., tuple[Post, ReviewItem]],
) -> None:
    moderator = make_moderator("QuietAsh")
    _post, item = make_held_reply()
    actions.approve_post(moderator=moderator, item=item, seen_version=item.version)
    html = Client().get(URL).content.decode()
    assert html.count('class="transparency-month"') == 1
