"""Screening at write time: watched words, the identifying-details check, new members'
links and first posts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django.fixtures import Settings

from forum import actions as forum_actions
from forum.exceptions import ActionRefused, NeedsConfirmation
from forum.models import Category, Member, Post, PostStatus, Thread, ThreadStatus, TrustLevel
from moderation import actions, screening
from moderation.models import ReviewItem, WatchedWord
from moderation.screening import Verdict, count_links, identifying_details

Heard = list[tuple[str, tuple[object, ...]]]


@pytest.fixture
def watch(moderator: Member) -> Callable[..., WatchedWord]:
    def add(phrase: str, action: str, replacement: str = "") -> WatchedWord:
        return actions.add_watched_word(
            moderator=moderator, phrase=phrase, action=action, replacement=replacement
        )

    return add


@pytest.fixture
def author(make_member: Callable[..., Member]) -> Member:
    return make_member("GentleWren")


# --- Watched words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "body", "matches"),
    [
        ("relax", "Just relax.", True),
        ("relax", "JUST RELAX", True),
        ("relax", "Relaxation helped me", False),
        ("relax", "unrelaxed", False),
        ("relax*", "Relaxation helped me", True),
        ("relax*", "unrelaxed", False),
        ("just relax", "you should just   relax and", True),
        ("just relax", "you should just\nrelax", True),
        ("just relax", "just relaxing", False),
        ("just relax*", "just relaxing", True),
        ("c.o.m", "example c.o.m here", True),
        ("c.o.m", "example cxoxm here", False),
        ("über", "Ich bin Über-müde", True),
        ("über", "überall", False),
    ],
)
def test_watched_phrases_match_whole_words_case_insensitively(
    phrase: str, body: str, matches: bool
) -> None:
    assert bool(screening.phrase_pattern(phrase).search(body)) is matches


def test_a_block_word_refuses_the_post_naming_the_word(
    watch: Callable[..., WatchedWord], author: Member
) -> None:
    watch("cheap pills", WatchedWord.Action.BLOCK)
    with pytest.raises(ActionRefused, match="“Cheap  Pills”") as refusal:
        screening.screen(author=author, body="Get Cheap  Pills today")
    assert "your text is kept" in str(refusal.value)


def test_a_block_word_refuses_the_reply_and_writes_nothing(
    watch: Callable[..., WatchedWord], author: Member, thread: Thread
) -> None:
    watch("idiot*", WatchedWord.Action.BLOCK)
    with pytest.raises(ActionRefused, match="“idiots”"):
        forum_actions.post_reply(author=author, thread=thread, body="Only idiots say that")
    assert thread.posts.count() == 1


def test_a_block_word_refuses_an_edit(
    watch: Callable[..., WatchedWord], author: Member, thread: Thread
) -> None:
    post = forum_actions.post_reply(author=author, thread=thread, body="A kind reply")
    watch("idiot", WatchedWord.Action.BLOCK)
    with pytest.raises(ActionRefused, match="idiot"):
        forum_actions.edit_post(editor=author, post=post, body="You idiot")
    post.refresh_from_db()
    assert post.body == "A kind reply"


def test_a_thread_title_is_screened_like_its_opening_post(
    watch: Callable[..., WatchedWord], author: Member, category: Category
) -> None:
    watch("idiot", WatchedWord.Action.BLOCK)
    watch("frigid", WatchedWord.Action.REPLACE, "tense")
    with pytest.raises(ActionRefused, match="“Idiot”"):
        forum_actions.start_thread(
            author=author, category=category, title="Idiot partner", body="A long story."
        )
    with pytest.raises(NeedsConfirmation):
        forum_actions.start_thread(
            author=author, category=category, title="Write to me at wren@example.org", body="Hi"
        )
    started = forum_actions.start_thread(
        author=author, category=category, title="Feeling frigid", body="A long story."
    )
    assert started.title == "Feeling tense"
    assert Thread.objects.filter(title__icontains="idiot").count() == 0


def test_a_replace_word_is_replaced_keeping_the_text_around_it(
    watch: Callable[..., WatchedWord], author: Member
) -> None:
    watch("frigid", WatchedWord.Action.REPLACE, "tense")
    verdict = screening.screen(author=author, body="I felt Frigid, frigid, FRIGID. Not frigidity.")
    assert verdict == Verdict(body="I felt tense, tense, tense. Not frigidity.", hold=None)


def test_a_replacement_is_taken_literally(
    watch: Callable[..., WatchedWord], author: Member
) -> None:
    watch("darn", WatchedWord.Action.REPLACE, r"\1 \g<0>")
    assert screening.screen_edit(author=author, body="darn it").startswith(r"\1 \g<0> it")


def test_a_replaced_reply_is_stored_and_rendered_replaced(
    watch: Callable[..., WatchedWord], author: Member, thread: Thread
) -> None:
    watch("frigid", WatchedWord.Action.REPLACE, "tense")
    post = forum_actions.post_reply(author=author, thread=thread, body="I was called frigid")
    assert post.body == "I was called tense"
    assert "frigid" not in post.html


def test_an_edit_is_replaced_too(watch: Callable[..., WatchedWord], author: Member) -> None:
    watch("frigid", WatchedWord.Action.REPLACE, "tense")
    assert screening.screen_edit(author=author, body="Frigid? No.") == "tense? No."


def test_a_hold_word_holds_the_post_for_review(
    watch: Callable[..., WatchedWord],
    author: Member,
    thread: Thread,
    broadcasts: Heard,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    watch("botox", WatchedWord.Action.HOLD)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        post = forum_actions.post_reply(
            author=author, thread=thread, body="Has anyone tried Botox injections?"
        )
    assert post.status == PostStatus.HELD
    item = ReviewItem.objects.get(post=post)
    assert (item.kind, item.priority, item.status) == ("held_watched_word", 40, "open")
    assert ("queue_changed", ()) in broadcasts
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_moderators_are_never_held(
    watch: Callable[..., WatchedWord], moderator: Member, thread: Thread
) -> None:
    watch("botox", WatchedWord.Action.HOLD)
    actions.set_trust_level(
        moderator=None, member=moderator, level=TrustLevel.NEW, locked=True, reason="test"
    )
    post = forum_actions.post_reply(author=moderator, thread=thread, body="About botox: ask a GP")
    assert post.status == PostStatus.PUBLISHED
    assert not ReviewItem.objects.exists()


# --- Identifying details ---------------------------------------------------------------

EMAILS = [
    "write to me at jane.doe@example.com",
    "JANE+forum@mail.example.co.uk please",
    "my address: quiet_heron42@proton.me.",
    "[mail me](mailto:someone@example.org)",
]
PHONES = [
    "call me on 07700 900123",
    "my number is +44 7700 900123",
    "+1 (555) 123-4567",
    "(555) 123-4567",
    "555-123-4567",
    "555.123.4567",
    "1-800-555-0199",
    "06 12 34 56 78",
    "06.12.34.56.78",
    "+33 6 12 34 56 78",
    "+49 30 1234567",
    "0049 30 12345678",
    "020 7946 0958",
    "+44 (0) 20 7946 0958",
    "0612345678",
    "text 0412 345 678 anytime",
]
ADDRESSES = [
    "I live at 12 Baker Street, come by",
    "221B Rose Lane",
    "4a Saint John's Wood Road",
    "10 Downing St.",
    "my clinic is at 1600 Pennsylvania Avenue",
    "at 7, Elm Grove",
    "meet me at 3 Harbour View Drive",
    "Hauptstraße 12",
    "Kerkstraat 4",
    "21 jump street",
]
HARMLESS = [
    "I moved up to size 3 last week, then size 4",
    "sizes 1 2 3 4 5 6 7 8 in the kit",
    "I started on 2024-01-15 and by 15.03.2024 it was easier",
    "on 15 01 2024 I cried, by 01/02/2024 I was laughing",
    "between 2019-2023 I saw four doctors",
    "in 2019 2020 and 2021 nothing helped",
    "sessions are 10.30 - 11.45 on Tuesdays",
    "it costs 1,250,000 won apparently",
    "pi is 3.14159265, which is irrelevant",
    "version 1.2.3.4 of the app",
    "I waited 12 weeks, did 3 sessions a week, 20 minutes each",
    "took 2 long road trips this year",
    "after 3 weeks on the road",
    "the 5 Ways to Relax book",
    "see https://example.org/threads/12345678/ for more",
    "my partner (36) and I (34) are 12 years in",
    "Week 2 Day 3: still going",
    "email me through the site, not at the cafe",
    "@quietheron said it well",
    "I walked 5 blocks down the street",
    "Rosa was 3 hours late",
    "a 50% success rate at 6 months",
]


@pytest.mark.parametrize("text", EMAILS)
def test_email_addresses_are_found(text: str) -> None:
    assert identifying_details(text) == ["an email address"]


@pytest.mark.parametrize("text", PHONES)
def test_phone_numbers_are_found(text: str) -> None:
    assert identifying_details(text) == ["a phone number"]


@pytest.mark.parametrize("text", ADDRESSES)
def test_street_addresses_are_found(text: str) -> None:
    assert identifying_details(text) == ["a street address"]


@pytest.mark.parametrize("text", HARMLESS)
def test_everyday_numbers_and_words_are_not_identifying(text: str) -> None:
    assert identifying_details(text) == []


def test_identifying_details_ask_the_author_first(author: Member, thread: Thread) -> None:
    with pytest.raises(NeedsConfirmation, match="could identify you or someone else") as asked:
        forum_actions.post_reply(author=author, thread=thread, body="Ring me: 07700 900123")
    assert "a phone number" in str(asked.value)
    assert thread.posts.count() == 1


def test_identifying_details_published_anyway_are_held(author: Member, thread: Thread) -> None:
    post = forum_actions.post_reply(
        author=author, thread=thread, body="Ring me: 07700 900123", publish_anyway=True
    )
    assert post.status == PostStatus.HELD
    item = ReviewItem.objects.get(post=post)
    assert (item.kind, item.priority) == (ReviewItem.Kind.HELD_IDENTIFYING, 10)


def test_the_most_urgent_hold_wins(
    watch: Callable[..., WatchedWord], make_member: Callable[..., Member]
) -> None:
    watch("botox", WatchedWord.Action.HOLD)
    newcomer = make_member(trust=TrustLevel.NEW)
    verdict = screening.screen(
        author=newcomer, body="botox clinic at 12 Baker Street", publish_anyway=True
    )
    assert verdict.hold == ReviewItem.Kind.HELD_IDENTIFYING
    assert screening.screen(author=newcomer, body="botox?").hold == "held_watched_word"
    assert screening.screen(author=newcomer, body="hello").hold == "held_new_member"


# --- New members -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "links"),
    [
        ("no links at all", 0),
        ("see https://example.org", 1),
        ("see example.org and www.example.com", 2),
        ("[a](https://a.example) [b](https://b.example) https://c.example", 3),
        ("![picture](https://img.example/x.png)", 1),
        ("`https://example.org` in code", 0),
    ],
)
def test_links_are_counted_as_the_post_shows_them(body: str, links: int) -> None:
    assert count_links(body) == links


def test_new_members_may_post_at_most_two_links(
    make_member: Callable[..., Member], thread: Thread
) -> None:
    newcomer = make_member(trust=TrustLevel.NEW)
    two = "https://a.example and https://b.example"
    assert screening.screen(author=newcomer, body=two).hold == "held_new_member"
    with pytest.raises(ActionRefused, match="at most 2 links") as refusal:
        forum_actions.post_reply(author=newcomer, thread=thread, body=two + " www.example.com")
    assert "has 3" in str(refusal.value)


def test_members_may_post_more_links(author: Member) -> None:
    body = " ".join(f"https://{n}.example" for n in "abcde")
    assert screening.screen(author=author, body=body) == Verdict(body=body)


def test_a_new_member_s_first_posts_wait_until_three_are_approved(
    settings: Settings,
    make_member: Callable[..., Member],
    moderator: Member,
    category: Category,
    thread: Thread,
) -> None:
    settings.TRUST_MEMBER_HOURS = 24  # the member stays new: they joined just now
    newcomer = make_member(trust=TrustLevel.NEW)
    opening = forum_actions.start_thread(
        author=newcomer, category=category, title="Hello", body="My first thread"
    )
    assert opening.status == ThreadStatus.HELD
    replies = [
        forum_actions.post_reply(author=newcomer, thread=thread, body=f"Reply {n}")
        for n in range(3)
    ]
    assert {post.status for post in replies} == {PostStatus.HELD}
    held_items = ReviewItem.objects.filter(kind="held_new_member", status="open")
    assert held_items.count() == 4
    assert set(held_items.values_list("priority", flat=True)) == {50}

    for item in held_items.order_by("id")[:3]:
        actions.approve_post(moderator=moderator, item=item, seen_version=item.version)

    later = forum_actions.post_reply(author=newcomer, thread=thread, body="Now I belong")
    assert later.status == PostStatus.PUBLISHED
    newcomer.refresh_from_db()
    assert newcomer.trust_level == TrustLevel.NEW


def test_hold_for_review_ignores_a_verdict_that_publishes(post_for_hold: Post) -> None:
    screening.hold_for_review(post=post_for_hold, verdict=Verdict(body="x"))
    assert not ReviewItem.objects.exists()


@pytest.fixture
def post_for_hold(thread: Thread) -> Post:
    post = thread.posts.first()
    assert post is not None
    return post
