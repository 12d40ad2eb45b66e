"""The forum side of moderation: what members see of held, hidden and removed posts and
threads, the screening at posting time, rate limits, slow mode and suspensions.

Data is made through the real actions: forum's for posts, moderation's for moderators and
their decisions (and the real screening).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from forum import actions
from forum.exceptions import ActionRefused, NeedsConfirmation
from forum.guidelines import Guideline
from forum.models import (
    Category,
    Member,
    Notification,
    Post,
    PostStatus,
    Thread,
    ThreadStatus,
    TrustLevel,
)
from moderation import actions as moderation
from moderation.models import ReviewItem, WatchedWord
from tests.helpers import client_for
from tests.moderation.clients import verified_client

MemberFactory = Callable[..., Member]
ThreadFactory = Callable[..., Thread]
PostFactory = Callable[..., Post]

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(make_member: MemberFactory) -> Member:
    member = make_member("SteadyKeeper")
    moderation.make_moderator(member=member, by=None, reason="a moderator for the tests")
    return Member.objects.get(pk=member.pk)


@pytest.fixture
def newcomer(make_member: MemberFactory) -> Member:
    return make_member("FirstSteps", trust=TrustLevel.NEW)


@pytest.fixture
def thread(make_thread: ThreadFactory, make_member: MemberFactory) -> Thread:
    return make_thread(author=make_member("ThreadStarter"), title="Starting with dilators")


def page(client: Client, thread: Thread, **params: str) -> str:
    response = client.get(thread.get_absolute_url(), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def approve(moderator: Member, post: Post) -> Post:
    item = ReviewItem.objects.get(post=post, status=ReviewItem.Status.OPEN)
    return moderation.approve_post(moderator=moderator, item=item, seen_version=item.version)


def catch_up(client: Client, thread: Thread, after: int) -> list[int]:
    response = client.get(f"/t/{thread.pk}/posts/", {"after": str(after)})
    assert response.status_code == 200
    return [post["id"] for post in response.json()["posts"]]


# --- Held posts -------------------------------------------------------------------------


def test_held_reply_is_invisible_to_others_and_waits_in_its_authors_box(
    thread: Thread, newcomer: Member, make_member: MemberFactory
) -> None:
    held = actions.post_reply(author=newcomer, thread=thread, body="My very first words here.")

    assert held.status == PostStatus.HELD
    thread.refresh_from_db()
    assert thread.reply_count == 0
    assert not Notification.objects.filter(post=held).exists()
    for viewer in (None, make_member()):
        html = page(client_for(viewer), thread)
        assert "My very first words here." not in html
        assert "Waiting for approval" not in html
        assert catch_up(client_for(viewer), thread, 0) == [thread.posts.earliest("id").pk]
    own = page(client_for(newcomer), thread)
    box = own[own.index('id="held-posts"') :]
    assert "My very first words here." in box
    assert "Only you can see these." in box


def test_held_post_permalink_leads_its_author_to_the_box_and_others_nowhere(
    thread: Thread, newcomer: Member, make_member: MemberFactory
) -> None:
    held = actions.post_reply(author=newcomer, thread=thread, body="Waiting patiently.")

    response = client_for(newcomer).get(held.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}#held-posts"
    assert client_for(make_member()).get(held.get_absolute_url()).status_code == 404
    assert client_for(None).get(held.get_absolute_url()).status_code == 404


def test_held_reply_view_says_it_waits_for_a_moderator(thread: Thread, newcomer: Member) -> None:
    response = client_for(newcomer).post(
        f"/t/{thread.pk}/reply/", {"body": "Hello everyone."}, follow=True
    )

    assert response.status_code == 200
    assert "waiting for a moderator&#x27;s approval" in response.content.decode()


def test_held_opening_post_hides_its_thread_from_lists_and_from_others(
    newcomer: Member, category: Category, make_member: MemberFactory
) -> None:
    held = actions.start_thread(
        author=newcomer, category=category, title="Is this normal?", body="A first question."
    )
    other = client_for(make_member())

    assert held.status == ThreadStatus.HELD
    assert "Is this normal?" not in other.get(category.get_absolute_url()).content.decode()
    home = other.get("/").content.decode()
    card = home[home.index(f'href="{category.get_absolute_url()}"') :]
    assert re.search(r"\b0 threads\b", card[: card.index("</li>")])
    assert other.get(held.get_absolute_url()).status_code == 404
    assert client_for(None).get(held.get_absolute_url()).status_code == 404
    own = page(client_for(newcomer), held)
    assert "This thread is waiting for a moderator" in own
    assert "A first question." in own[own.index('id="held-posts"') :]
    assert 'data-socket-path="/ws/threads/' not in own
    with pytest.raises(ActionRefused, match="waiting for a moderator"):
        actions.post_reply(author=make_member(), thread=held, body="Welcome!")


def test_publish_held_opening_post_publishes_and_lists_its_thread(
    newcomer: Member, category: Category, moderator: Member, make_member: MemberFactory
) -> None:
    held = actions.start_thread(
        author=newcomer, category=category, title="Is this normal?", body="A first question."
    )

    post = approve(moderator, held.posts.get())

    held.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.approved_at is not None
    assert held.status == ThreadStatus.PUBLISHED
    assert held.last_posted_at == post.approved_at
    assert "A first question." in page(client_for(make_member()), held)
    assert "Is this normal?" in client_for(None).get(category.get_absolute_url()).content.decode()


def test_publish_held_reply_counts_notifies_and_is_idempotent(
    thread: Thread, newcomer: Member, moderator: Member
) -> None:
    held = actions.post_reply(author=newcomer, thread=thread, body="Thank you all.")

    approve(moderator, held)
    again = actions.publish_held_post(post=held)

    thread.refresh_from_db()
    assert again.status == PostStatus.PUBLISHED
    assert thread.reply_count == 1
    assert list(Notification.objects.filter(post=held).values_list("recipient", "kind")) == [
        (thread.author_id, Notification.Kind.REPLY_IN_YOUR_THREAD)
    ]
    assert "Thank you all." in page(client_for(None), thread)


def test_catch_up_returns_an_older_post_approved_after_the_page_was_drawn(
    thread: Thread, newcomer: Member, moderator: Member, make_reply: PostFactory
) -> None:
    held = actions.post_reply(author=newcomer, thread=thread, body="Held a while.")
    later = make_reply(thread, body="Written after the held one.")
    reader = client_for(None)
    assert catch_up(reader, thread, later.pk) == []

    approve(moderator, held)

    assert catch_up(reader, thread, later.pk) == [held.pk]
    # A page drawn after the approval has seen it: asked again, nothing new.
    newest = make_reply(thread, body="Newest.")
    assert catch_up(reader, thread, newest.pk) == []


# --- Tombstones and hidden posts --------------------------------------------------------


def test_removed_post_shows_a_tombstone_naming_the_guideline_to_everyone(
    thread: Thread, make_reply: PostFactory, moderator: Member, make_member: MemberFactory
) -> None:
    author = make_member("PlainSpeaker")
    post = make_reply(thread, author=author, body="Words a moderator removed.")
    page(client_for(None), thread)  # the fragment is in the cache now

    moderation.hide_post(
        moderator=moderator, post=post, reason="Pressure.", guideline=Guideline.NO_PRESSURE
    )

    for viewer in (None, author, make_member()):
        html = page(client_for(viewer), thread)
        article = html[html.index(f'id="post-{post.pk}"') :]
        article = article[: article.index("</article>")]
        assert "Words a moderator removed." not in html
        assert "PlainSpeaker" not in article
        assert "Removed by a moderator" in article
        assert str(Guideline.NO_PRESSURE.label) in article
        assert '/guidelines/#no-pressure"' in article
        assert "Report" not in article


def test_post_hidden_for_review_shows_its_text_only_to_its_author_and_verified_moderators(
    thread: Thread,
    make_reply: PostFactory,
    moderator: Member,
    make_member: MemberFactory,
    settings: Settings,
) -> None:
    settings.REPORT_HIDE_THRESHOLD = 2
    author = make_member("Outspoken")
    post = make_reply(thread, author=author, body="Something people reported.")
    page(client_for(None), thread)
    moderation.report_post(reporter=make_member(), post=post, reason="harassment")
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW

    for viewer in (None, make_member()):
        html = page(client_for(viewer), thread)
        assert "This post is hidden while moderators review it." in html
        assert "Something people reported." not in html
    own = page(client_for(author), thread)
    assert "This post is hidden while moderators review it." in own
    assert "Only you and the moderators see this post" in own
    assert "Something people reported." in own
    assert "Something people reported." in page(verified_client(moderator), thread)
    assert "Something people reported." not in page(client_for(moderator), thread)


def test_post_fragment_carries_a_report_link(thread: Thread, make_reply: PostFactory) -> None:
    post = make_reply(thread, body="Reportable.")

    html = page(client_for(None), thread)

    assert f'href="/p/{post.pk}/report/"' in html


def test_moderator_links_show_only_after_two_factor(
    thread: Thread, make_reply: PostFactory, moderator: Member
) -> None:
    post = make_reply(thread, body="Moderated.")

    verified = page(verified_client(moderator), thread)
    password_only = page(client_for(moderator), thread)

    assert f'href="/moderation/posts/{post.pk}/"' in verified
    assert f'href="/moderation/threads/{thread.pk}/"' in verified
    assert "Moderate this thread" in verified
    assert "/moderation/posts/" not in password_only
    assert "Moderate this thread" not in password_only


def test_removed_thread_page_is_gone_with_the_guideline(
    thread: Thread, moderator: Member, make_member: MemberFactory
) -> None:
    opening = thread.posts.get()
    moderation.delete_thread(
        moderator=moderator, thread=thread, reason="Spam.", guideline=Guideline.NO_SPAM
    )

    for viewer in (None, make_member(), thread.author):
        response = client_for(viewer).get(thread.get_absolute_url())
        html = response.content.decode()
        assert response.status_code == 410
        assert "This thread was removed by a moderator." in html
        assert str(Guideline.NO_SPAM.label) in html
        assert opening.body not in html
    assert client_for(None).get(f"/t/{thread.pk}/posts/", {"after": "0"}).status_code == 404
    assert (
        thread.title
        not in client_for(None).get(thread.category.get_absolute_url()).content.decode()
    )


# --- Screening at posting time ----------------------------------------------------------


def test_identifying_details_are_confirmed_through_the_reply_form(
    thread: Thread, make_member: MemberFactory
) -> None:
    author = make_member()
    client = client_for(author)
    body = "Write to me at quiet.heron@example.org any time."

    first = client.post(f"/t/{thread.pk}/reply/", {"body": body})

    html = first.content.decode()
    assert first.status_code == 200
    assert "This could identify you or someone else" in html
    assert "Publish anyway — a moderator will look at it first" in html
    assert "quiet.heron@example.org any time." in html
    assert not Post.objects.filter(author=author).exists()

    second = client.post(f"/t/{thread.pk}/reply/", {"body": body, "publish_anyway": "on"})

    assert second.status_code == 302
    post = Post.objects.get(author=author)
    assert post.status == PostStatus.HELD
    assert ReviewItem.objects.get(post=post).kind == ReviewItem.Kind.HELD_IDENTIFYING


def test_identifying_details_in_a_new_thread_ask_first(
    category: Category, make_member: MemberFactory
) -> None:
    author = make_member()
    fields = {"category": category.pk, "title": "Hello", "body": "Call me on 0612 345 678."}

    response = client_for(author).post("/new/", fields)

    assert response.status_code == 200
    assert "Publish anyway" in response.content.decode()
    assert not Thread.objects.filter(author=author).exists()
    with pytest.raises(NeedsConfirmation):
        actions.start_thread(author=author, category=category, title="Hi", body=fields["body"])


def test_blocked_word_refuses_the_reply_and_gives_the_text_back(
    thread: Thread, moderator: Member, make_member: MemberFactory
) -> None:
    moderation.add_watched_word(
        moderator=moderator, phrase="miracle cure", action=WatchedWord.Action.BLOCK
    )
    author = make_member()

    response = client_for(author).post(
        f"/t/{thread.pk}/reply/", {"body": "Try this Miracle Cure, honestly it works."}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "which this community does not allow" in html
    assert "Try this Miracle Cure, honestly it works." in html
    assert not Post.objects.filter(author=author).exists()


def test_replaced_word_is_published_replaced(
    thread: Thread, moderator: Member, make_member: MemberFactory
) -> None:
    moderation.add_watched_word(
        moderator=moderator, phrase="frigid", action=WatchedWord.Action.REPLACE, replacement="…"
    )

    post = actions.post_reply(author=make_member(), thread=thread, body="He called me frigid.")

    assert post.body == "He called me …."


# --- Editing ----------------------------------------------------------------------------


def test_edit_lifts_the_first_auto_hide_but_not_a_second(
    thread: Thread, make_reply: PostFactory, make_member: MemberFactory, settings: Settings
) -> None:
    settings.REPORT_HIDE_THRESHOLD = 2
    author = make_member()
    post = make_reply(thread, author=author, body="Said too sharply.")
    moderation.report_post(reporter=make_member(), post=post, reason="harassment")

    edited = actions.edit_post(editor=author, post=post, body="Said more gently.")

    assert edited.status == PostStatus.PUBLISHED
    assert "Said more gently." in page(client_for(None), thread)
    moderation.report_post(reporter=make_member(), post=post, reason="harassment")
    post.refresh_from_db()
    assert post.status == PostStatus.HIDDEN_FOR_REVIEW
    assert post.auto_hides == 2
    again = actions.edit_post(editor=author, post=post, body="Said more gently still.")
    assert again.status == PostStatus.HIDDEN_FOR_REVIEW


def test_edit_of_a_removed_post_is_refused(
    thread: Thread, make_reply: PostFactory, moderator: Member, make_member: MemberFactory
) -> None:
    author = make_member()
    post = make_reply(thread, author=author, body="Removed words.")
    moderation.hide_post(
        moderator=moderator, post=post, reason="Advice.", guideline=Guideline.NOT_MEDICAL_ADVICE
    )

    with pytest.raises(ActionRefused, match="A moderator removed this post"):
        actions.edit_post(editor=author, post=post, body="New words.")


def test_edit_with_a_blocked_word_is_refused_with_the_text_back(
    thread: Thread, make_reply: PostFactory, moderator: Member, make_member: MemberFactory
) -> None:
    moderation.add_watched_word(
        moderator=moderator, phrase="miracle cure", action=WatchedWord.Action.BLOCK
    )
    author = make_member()
    post = make_reply(thread, author=author, body="Plain words.")

    response = client_for(author).post(f"/p/{post.pk}/edit/", {"body": "Now with a miracle cure."})

    assert response.status_code == 200
    assert "Now with a miracle cure." in response.content.decode()
    post.refresh_from_db()
    assert post.body == "Plain words."


# --- Suspensions ------------------------------------------------------------------------


@pytest.fixture
def suspended(make_member: MemberFactory, moderator: Member) -> Member:
    member = make_member("PausedForAWhile")
    moderation.suspend_member(
        moderator=moderator, member=member, days=3, reason="Pressure.", guideline="no-pressure"
    )
    return member


def test_suspended_member_cannot_post_reply_or_edit(
    suspended: Member, thread: Thread, category: Category, make_reply: PostFactory
) -> None:
    assert suspended.suspended_until is not None
    year = str(timezone.localtime(suspended.suspended_until).year)
    post = Post.objects.create(
        thread=thread, author=suspended, body="Before.", html="<p>Before.</p>"
    )
    stale = Member.objects.get(pk=suspended.pk)
    stale.suspended_until = None  # a member object read before the suspension

    for attempt in (
        lambda: actions.post_reply(author=stale, thread=thread, body="Hello."),
        lambda: actions.start_thread(author=stale, category=category, title="T", body="Hi."),
        lambda: actions.edit_post(editor=stale, post=post, body="After."),
    ):
        with pytest.raises(ActionRefused, match=f"suspended until .*{year}"):
            attempt()


def test_suspended_member_reads_the_thread_with_a_notice_instead_of_the_form(
    suspended: Member, thread: Thread
) -> None:
    client = client_for(suspended)

    html = page(client, thread)
    response = client.post(f"/t/{thread.pk}/reply/", {"body": "Still here."})

    assert "Your account is suspended until" in html
    # No reply form (muting the thread, a reading choice, stays offered).
    assert f'action="/t/{thread.pk}/reply/"' not in html
    assert response.status_code == 200
    assert "Your account is suspended until" in response.content.decode()
    assert "Still here." in response.content.decode()


def test_settings_page_shows_trust_level_and_suspension(
    suspended: Member, newcomer: Member
) -> None:
    assert (
        "Your trust level is <strong>New</strong>"
        in client_for(newcomer).get("/settings/").content.decode()
    )
    html = client_for(suspended).get("/settings/").content.decode()
    assert "Your trust level is <strong>Member</strong>" in html
    assert "Your account is suspended until" in html


# --- Slow mode --------------------------------------------------------------------------


def test_slow_mode_lets_each_member_post_once_per_period(
    thread: Thread, moderator: Member, make_member: MemberFactory
) -> None:
    moderation.set_slow_mode(moderator=moderator, thread=thread, minutes=10, reason="Heated.")
    first, second = make_member(), make_member()
    thread.refresh_from_db()

    actions.post_reply(author=first, thread=thread, body="One.")
    with pytest.raises(ActionRefused, match=r"slow mode.*You can post again in 10 minutes"):
        actions.post_reply(author=first, thread=thread, body="Two.")
    actions.post_reply(author=second, thread=thread, body="Mine.")
    actions.post_reply(author=moderator, thread=thread, body="A note from the moderators.")
    actions.post_reply(author=moderator, thread=thread, body="And another.")
    Post.objects.filter(author=first).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    actions.post_reply(author=first, thread=thread, body="Two, later.")


# --- Rate limits ------------------------------------------------------------------------


def _age_posts(author: Member, seconds: float) -> None:
    Post.objects.filter(author=author).update(
        created_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


@pytest.mark.rate_limits
def test_member_posts_at_most_once_per_fifteen_seconds(
    thread: Thread, make_member: MemberFactory
) -> None:
    author = make_member()
    actions.post_reply(author=author, thread=thread, body="One.")

    with pytest.raises(ActionRefused, match=r"You can post again in 1[45] seconds\."):
        actions.post_reply(author=author, thread=thread, body="Two.")
    _age_posts(author, 16)
    actions.post_reply(author=author, thread=thread, body="Two.")


@pytest.mark.rate_limits
def test_new_member_posts_once_a_minute_and_ten_times_a_day(
    thread: Thread, newcomer: Member
) -> None:
    actions.post_reply(author=newcomer, thread=thread, body="One.")
    with pytest.raises(ActionRefused, match=r"You can post again in (59 seconds|1 minute)\."):
        actions.post_reply(author=newcomer, thread=thread, body="Two.")

    for number in range(9):
        _age_posts(newcomer, 3600 * 2 + number)
        actions.post_reply(author=newcomer, thread=thread, body=f"Post {number}.")
    _age_posts(newcomer, 3600 * 2)
    with pytest.raises(ActionRefused, match=r"10 times a day.*You can post again in 22 hours\."):
        actions.post_reply(author=newcomer, thread=thread, body="Eleven.")


@pytest.mark.rate_limits
def test_moderators_are_not_rate_limited(thread: Thread, moderator: Member) -> None:
    for number in range(3):
        actions.post_reply(author=moderator, thread=thread, body=f"Note {number}.")


@pytest.mark.rate_limits
def test_rate_limit_refusal_comes_back_in_the_form_with_the_text(
    thread: Thread, make_member: MemberFactory
) -> None:
    client = client_for(make_member())
    client.post(f"/t/{thread.pk}/reply/", {"body": "First."})

    response = client.post(f"/t/{thread.pk}/reply/", {"body": "Second, too soon."})

    html = response.content.decode()
    assert response.status_code == 200
    assert "You can post again in" in html
    assert "Second, too soon." in html


def test_rate_limits_are_off_without_the_marker(thread: Thread, newcomer: Member) -> None:
    for number in range(3):
        actions.post_reply(author=newcomer, thread=thread, body=f"Quick {number}.")


def _join(client: Client, number: int) -> Any:
    return client.post(
        "/join/",
        {
            "pseudonym": f"Newcomer{number}",
            "new_password1": "a calm and long passphrase",
            "new_password2": "a calm and long passphrase",
        },
    )


@pytest.mark.rate_limits
def test_sign_ups_per_address_are_limited_per_hour(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    settings.RATE_LIMIT_SIGNUPS_PER_ADDRESS_PER_HOUR = 2
    counted_under: list[str] = []
    real_add = cache.add

    def add(key: str, *args: Any, **kwargs: Any) -> bool:
        counted_under.append(key)
        return real_add(key, *args, **kwargs)

    monkeypatch.setattr(cache, "add", add)
    for number in range(2):
        assert _join(Client(), number).status_code == 302

    refused = _join(Client(), 3)
    elsewhere = _join(Client(REMOTE_ADDR="192.0.2.7"), 4)

    assert refused.status_code == 200
    assert "Several accounts were opened from your network" in refused.content.decode()
    assert not Member.objects.filter(pseudonym="Newcomer3").exists()
    assert elsewhere.status_code == 302
    # Counted under a keyed hash: the address itself is in no key.
    assert counted_under
    assert not any("127.0.0.1" in key or "192.0.2.7" in key for key in counted_under)


@pytest.mark.rate_limits
def test_sign_up_limit_fails_open_when_the_cache_is_down(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    settings.RATE_LIMIT_SIGNUPS_PER_ADDRESS_PER_HOUR = 1

    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache unavailable")

    for name in ("get", "add", "incr"):
        monkeypatch.setattr(cache, name, down)

    for number in range(3):
        response = _join(Client(), number)
        assert response.status_code in (200, 302)
        assert "Several accounts" not in response.content.decode()
    assert Member.objects.filter(pseudonym__startswith="Newcomer").count() == 3


def test_header_links_to_notices_for_members_only(member: Member) -> None:
    html = client_for(member).get("/").content.decode()

    assert 'href="/notices/" id="notices-link" data-unread-url="/notices/unread/"' in html
    assert 'id="notices-link"' not in client_for(None).get("/").content.decode()
