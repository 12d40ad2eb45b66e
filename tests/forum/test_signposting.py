"""Wellbeing signposting (issue 5, point 9): a draft that mentions self-harm, suicide or
assault opens a calm "Get help now" note in the composer. It never blocks or holds the
post, never alerts anyone and keeps nothing.

The browser's own check, and that it agrees with this one, is in
tests/e2e/test_signposting.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.html import escape

from forum import signposting
from forum.models import Category, Member, Post, PostStatus, Thread
from moderation.models import LogEntry, Notice, ReviewItem
from tests.helpers import client_for, stored_values

pytestmark = pytest.mark.django_db

CRISIS_REPLY = "Some nights I think about ending my life, and I have not told anyone."
EVERYDAY_REPLY = "The second dilator hurt at first, but my therapist helped me breathe."

# Drafts that should open the note, across the three topics and the ways people write.
MENTIONS = [
    "I have been feeling suicidal since the appointment.",
    "SUICIDE has crossed my mind.",
    "I don’t want to live like this.",
    "i dont want to be alive anymore",
    "Sometimes I want to die.",
    "I used to self-harm when it got bad.",
    "self harming again",
    "Selfharm was how I coped.",
    "I cut myself last week.",
    "I was raped when I was nineteen.",
    "He is a rapist.",
    "It started after a sexual assault.",
    "I was sexually assaulted at a party.",
    "My ex forced himself on me.",
    "It happened without my consent.",
    "I didn't consent to that.",
    "I was molested as a child.",
]

# Everyday words of treatment and life that must not open it.
EVERYDAY = [
    EVERYDAY_REPLY,
    "Penetration was painful for years.",
    "I forced myself to keep going with the dilators, which was a mistake.",
    "We had a great rapport with the physio.",
    "Grapes and drapes and a quiet evening.",
    "The pelvic floor exercises are harmless.",
    "I could die of embarrassment at the gynaecologist!",
    "Consent matters, and my partner always asks.",
    "The cut on my finger healed.",
    "",
]


def _signpost_is_open(html: str) -> bool:
    tag = re.search(r"<aside class=\"signpost\"[^>]*>", html)
    assert tag is not None, "the composer has no signposting note"
    return " hidden" not in tag.group(0)


@pytest.fixture
def thread(make_thread: Callable[..., Thread]) -> Thread:
    return make_thread(title="Talking about the hard parts", body="Whatever you need to say.")


@pytest.fixture
def writer(make_member: Callable[..., Member]) -> Client:
    return client_for(make_member("QuietHarbour"))


@pytest.mark.parametrize("draft", MENTIONS)
def test_mentions_crisis_finds_each_topic_however_it_is_written(draft: str) -> None:
    assert signposting.mentions_crisis(draft)


@pytest.mark.parametrize("draft", EVERYDAY)
def test_mentions_crisis_leaves_everyday_treatment_words_alone(draft: str) -> None:
    assert not signposting.mentions_crisis(draft)


@pytest.mark.parametrize("term", signposting.TERMS)
def test_mentions_crisis_finds_every_term_on_the_list(term: str) -> None:
    assert signposting.mentions_crisis(f"Well, {term.rstrip('*')}.")


def test_mentions_crisis_reads_the_title_as_well_as_the_body() -> None:
    assert signposting.mentions_crisis("After the assault", "Since the rape I flinch.")
    assert signposting.mentions_crisis("Suicidal thoughts", "")
    assert not signposting.mentions_crisis("After the appointment", "It went well.")


def test_composer_pages_carry_the_word_list_and_a_closed_note(
    writer: Client, thread: Thread, category: Category
) -> None:
    pages = [
        "/new/",
        f"/t/{thread.pk}/reply/",
        thread.get_absolute_url(),
    ]
    for address in pages:
        html = writer.get(address).content.decode()
        assert f'data-signpost-terms="{escape(signposting.terms_json())}"' in html, address
        assert not _signpost_is_open(html), address
        assert 'href="/get-help/" target="_blank" rel="noopener"' in html, address


def test_preview_of_a_crisis_draft_opens_the_note_and_keeps_the_text(
    writer: Client, thread: Thread
) -> None:
    response = writer.post(f"/t/{thread.pk}/reply/", {"body": CRISIS_REPLY, "preview": "1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert _signpost_is_open(html)
    assert escape(CRISIS_REPLY) in html


def test_preview_of_an_everyday_draft_keeps_the_note_closed(writer: Client, thread: Thread) -> None:
    response = writer.post(f"/t/{thread.pk}/reply/", {"body": EVERYDAY_REPLY, "preview": "1"})

    assert not _signpost_is_open(response.content.decode())


def test_new_thread_with_a_crisis_title_and_a_mistake_opens_the_note(
    writer: Client, category: Category
) -> None:
    response = writer.post(
        "/new/", {"category": category.pk, "title": "Thinking about suicide", "body": ""}
    )

    assert response.status_code == 200
    assert _signpost_is_open(response.content.decode())


def test_editing_into_a_crisis_draft_opens_the_note_on_preview(
    make_member: Callable[..., Member], make_reply: Callable[..., Post], thread: Thread
) -> None:
    author = make_member("StillWater")
    reply = make_reply(thread, author=author, body="Hard week.")

    response = client_for(author).post(
        f"/p/{reply.pk}/edit/", {"body": CRISIS_REPLY, "preview": "1"}
    )

    assert response.status_code == 200
    assert _signpost_is_open(response.content.decode())


def test_a_crisis_reply_is_published_like_any_other_and_alerts_nobody(
    writer: Client, thread: Thread
) -> None:
    queue, notices = ReviewItem.objects.count(), Notice.objects.count()
    log = LogEntry.objects.count()

    response = writer.post(f"/t/{thread.pk}/reply/", {"body": CRISIS_REPLY})

    assert response.status_code == 302
    reply = Post.objects.get(thread=thread, body=CRISIS_REPLY)
    assert reply.status == PostStatus.PUBLISHED
    assert ReviewItem.objects.count() == queue
    assert Notice.objects.count() == notices
    assert LogEntry.objects.count() == log


def test_a_crisis_preview_keeps_nothing_an_everyday_preview_would_not(
    writer: Client, thread: Thread, caplog: pytest.LogCaptureFixture
) -> None:
    writer.post(f"/t/{thread.pk}/reply/", {"body": EVERYDAY_REPLY, "preview": "1"})
    before = sorted(stored_values())

    with caplog.at_level(logging.DEBUG):
        writer.post(f"/t/{thread.pk}/reply/", {"body": CRISIS_REPLY, "preview": "1"})

    assert sorted(stored_values()) == before
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {vars(record)!r}".lower()
        assert "ending my life" not in text
        assert "signpost" not in text
        assert "crisis" not in text
