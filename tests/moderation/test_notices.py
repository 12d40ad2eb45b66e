"""The member's side of a review: the notice that was appealed says when its review was
answered and points to the answer, the answer carries the same gentle support line, and
the appeal page, sent empty, shows the notice again and says what happened."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.guidelines import Guideline
from forum.models import Member, Post, Thread
from moderation import actions
from moderation.models import Notice, ReviewItem
from tests.helpers import client_for

WAITING = "You asked for a review; the answer will appear here."
ANSWERED = "You asked for a review, and it was answered"
SUPPORT = "This can be hard to read."


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def notice_block(html: str, notice: Notice) -> str:
    start = html.index(f'id="notice-{notice.pk}"')
    end = html.find('id="notice-', start + 1)
    return text_of(html[start : end if end != -1 else len(html)])


@pytest.fixture
def published(make_thread: Callable[..., Thread], make_member: Callable[..., Member]) -> Post:
    return make_thread(author=make_member("WarmMaple"), title="Talking to a physio").posts.get()


def removal_notice(post: Post, moderator: Member) -> Notice:
    actions.hide_post(
        moderator=moderator, post=post, reason="It reads as pressure", guideline=Guideline.BE_KIND
    )
    return Notice.objects.filter(post=post, kind=Notice.Kind.POST_HIDDEN).latest("id")


def appeal(notice: Notice, member: Member) -> ReviewItem:
    return actions.appeal(member=member, notice=notice, text="I was quoting my own doctor.")


def test_notices_say_a_waiting_review_is_still_waiting(published: Post, moderator: Member) -> None:
    notice = removal_notice(published, moderator)
    appeal(notice, published.author)
    html = client_for(published.author).get(reverse("moderation:notices")).content.decode()
    assert WAITING in notice_block(html, notice)


def test_notices_say_a_kept_decisions_review_was_answered_and_link_the_answer(
    published: Post, moderator: Member
) -> None:
    notice = removal_notice(published, moderator)
    item = appeal(notice, published.author)
    actions.deny_appeal(
        moderator=moderator, item=item, seen_version=item.version, reason="It still reads so"
    )
    answer = Notice.objects.get(kind=Notice.Kind.APPEAL_DECIDED)
    html = client_for(published.author).get(reverse("moderation:notices")).content.decode()
    original = notice_block(html, notice)
    assert WAITING not in original
    assert ANSWERED in original
    assert f'href="#notice-{answer.pk}"' in html
    answered = notice_block(html, answer)
    assert "It still reads so" in answered
    assert SUPPORT in answered
    assert moderator.pseudonym not in html


def test_notices_say_a_restored_posts_review_was_answered(
    published: Post, moderator: Member
) -> None:
    notice = removal_notice(published, moderator)
    item = appeal(notice, published.author)
    actions.restore_post(
        moderator=moderator,
        post=published,
        reason="Fair point, a personal story",
        item=item,
        seen_version=item.version,
    )
    html = client_for(published.author).get(reverse("moderation:notices")).content.decode()
    assert ANSWERED in notice_block(html, notice)


def test_notices_show_the_answer_itself_when_it_is_on_another_page(
    published: Post, moderator: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moderation import views

    monkeypatch.setattr(views, "NOTICES_PER_PAGE", 1)
    notice = removal_notice(published, moderator)
    item = appeal(notice, published.author)
    actions.deny_appeal(
        moderator=moderator, item=item, seen_version=item.version, reason="It still reads so"
    )
    page = client_for(published.author).get(reverse("moderation:notices"), {"page": 2})
    original = notice_block(page.content.decode(), notice)
    assert ANSWERED in original
    assert "It still reads so" in original


def test_notices_with_answered_reviews_cost_the_same_queries_for_one_or_many(
    make_thread: Callable[..., Thread], member: Member, moderator: Member
) -> None:
    client = client_for(member)
    url = reverse("moderation:notices")

    def answered_review() -> None:
        notice = removal_notice(make_thread(author=member).posts.get(), moderator)
        item = appeal(notice, member)
        actions.deny_appeal(moderator=moderator, item=item, seen_version=item.version, reason="No")

    answered_review()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(4):
        answered_review()
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_appeal_sent_empty_shows_the_notice_again_and_an_accurate_message(
    published: Post, moderator: Member
) -> None:
    notice = removal_notice(published, moderator)
    response = client_for(published.author).post(
        reverse("moderation:appeal", args=[notice.pk]), {"text": ""}
    )
    assert response.status_code == 400
    shown = text_of(response.content.decode())
    assert "everything you typed" not in shown
    assert "The box was empty" in shown
    assert "It reads as pressure" in shown
    assert str(Guideline.BE_KIND.label) in shown
    assert published.thread.title in shown
    assert SUPPORT in shown
    assert not ReviewItem.objects.filter(kind=ReviewItem.Kind.APPEAL).exists()


def test_appeal_refused_keeps_the_words_and_says_why(published: Post, moderator: Member) -> None:
    notice = removal_notice(published, moderator)
    response = client_for(published.author).post(
        reverse("moderation:appeal", args=[notice.pk]), {"text": "Please"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "in a few words why they should look again" in text_of(html)
    assert re.search(r">\s*Please</textarea>", html)
    assert "The box was empty" not in text_of(html)
