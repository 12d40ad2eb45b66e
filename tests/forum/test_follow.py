"""Following threads and journeys: the buttons, notifications for new replies and newly
shared entries (live, through the member's own group), never about a private entry or to
the writer, discreet mode, and unfollowing at any time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import actions, broadcast, export
from forum.models import Follow, Journey, Member, Notification, Post, Thread
from moderation import actions as moderation_actions
from tests.forum.test_anonymous import assert_unlinked
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]

PRIVATE_NOTE = "A private note nobody else may read"


@pytest.fixture
def starter(make_member: MemberFactory) -> Member:
    return make_member("ThreadStarter3")


@pytest.fixture
def follower(make_member: MemberFactory) -> Member:
    return make_member("KeenFollower8")


@pytest.fixture
def thread(make_thread: Callable[..., Thread], starter: Member) -> Thread:
    return make_thread(author=starter, title="Lubricant that worked for me")


@pytest.fixture
def journey(starter: Member) -> Journey:
    return actions.start_journey(author=starter, title="My slow story", body="Day one.")


def entry(journey: Journey, **fields: Any) -> Any:
    author = Member.objects.get(pk=journey.thread.author_id)
    fields.setdefault("happened_on", timezone.localdate())
    fields.setdefault("note", "A shared step")
    return actions.add_journey_entry(author=author, journey=journey, **fields)


def kinds_for(member: Member) -> list[str]:
    return list(
        Notification.objects.for_recipient(member).order_by("id").values_list("kind", flat=True)
    )


# --- Buttons ----------------------------------------------------------------------------


def test_follow_and_unfollow_buttons_on_a_thread(thread: Thread, follower: Member) -> None:
    client = client_for(follower)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Follow this thread" in html
    assert client.post(reverse("forum:follow", args=[thread.pk])).status_code == 302
    assert Follow.objects.filter(member=follower, thread=thread).exists()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Following — stop" in html
    assert client.post(reverse("forum:unfollow", args=[thread.pk])).status_code == 302
    assert not Follow.objects.filter(member=follower, thread=thread).exists()


def test_journey_page_offers_follow_this_journey(journey: Journey, follower: Member) -> None:
    html = client_for(follower).get(journey.get_absolute_url()).content.decode()
    assert "Follow this journey" in html


def test_visitors_see_no_follow_button(thread: Thread) -> None:
    html = client_for(None).get(thread.get_absolute_url()).content.decode()
    assert "Follow this thread" not in html


def test_follow_needs_a_post_and_csrf(thread: Thread, follower: Member) -> None:
    assert client_for(follower).get(reverse("forum:follow", args=[thread.pk])).status_code == 405
    strict = client_for(follower, enforce_csrf_checks=True)
    assert strict.post(reverse("forum:follow", args=[thread.pk])).status_code == 403
    assert not Follow.objects.exists()


def test_following_twice_keeps_one_follow(thread: Thread, follower: Member) -> None:
    actions.follow_thread(member=follower, thread=thread)
    actions.follow_thread(member=follower, thread=thread)
    assert Follow.objects.filter(member=follower).count() == 1


def test_follow_returns_to_a_same_site_page_only(thread: Thread, follower: Member) -> None:
    client = client_for(follower)
    url = reverse("forum:follow", args=[thread.pk])
    assert client.post(url, {"next": "/journeys/"})["Location"] == "/journeys/"
    away = client.post(url, {"next": "https://elsewhere.example/"})
    assert away["Location"] == thread.get_absolute_url()


# --- Notifications ------------------------------------------------------------------------


def test_reply_in_a_followed_thread_notifies_the_follower(
    thread: Thread, follower: Member, make_reply: Callable[..., Post]
) -> None:
    actions.follow_thread(member=follower, thread=thread)
    make_reply(thread)
    assert kinds_for(follower) == [Notification.Kind.REPLY_IN_FOLLOWED_THREAD]


def test_follower_is_not_told_of_their_own_reply(
    thread: Thread, follower: Member, make_reply: Callable[..., Post]
) -> None:
    actions.follow_thread(member=follower, thread=thread)
    make_reply(thread, author=follower)
    assert kinds_for(follower) == []


def test_a_starter_who_follows_is_told_once(
    thread: Thread, starter: Member, make_reply: Callable[..., Post]
) -> None:
    actions.follow_thread(member=starter, thread=thread)
    make_reply(thread)
    assert kinds_for(starter) == [Notification.Kind.REPLY_IN_YOUR_THREAD]


def test_unfollowed_thread_notifies_no_more(
    thread: Thread, follower: Member, make_reply: Callable[..., Post]
) -> None:
    actions.follow_thread(member=follower, thread=thread)
    make_reply(thread)
    actions.unfollow_thread(member=follower, thread=thread)
    make_reply(thread)
    assert len(kinds_for(follower)) == 1


def test_shared_entry_notifies_followers(journey: Journey, follower: Member) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    entry(journey, is_shared=True)
    assert kinds_for(follower) == [Notification.Kind.ENTRY_IN_FOLLOWED_JOURNEY]


def test_private_entry_never_notifies(journey: Journey, follower: Member) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    entry(journey, note=PRIVATE_NOTE)
    assert Notification.objects.filter(recipient=follower).count() == 0
    html = client_for(follower).get(reverse("forum:notifications")).content.decode()
    assert PRIVATE_NOTE not in html


def test_the_journeys_author_is_never_notified_of_their_own_entry(
    journey: Journey, starter: Member
) -> None:
    actions.follow_thread(member=starter, thread=journey.thread)
    entry(journey, is_shared=True)
    assert kinds_for(starter) == []


def test_sharing_a_private_entry_notifies_once(journey: Journey, follower: Member) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    private = entry(journey, note=PRIVATE_NOTE)
    starter = Member.objects.get(pk=journey.thread.author_id)
    fields = {"happened_on": private.happened_on, "note": "Now I share it"}
    actions.edit_journey_entry(author=starter, entry=private, is_shared=True, **fields)
    assert len(kinds_for(follower)) == 1
    actions.edit_journey_entry(author=starter, entry=private, is_shared=False, **fields)
    assert kinds_for(follower) == []
    actions.edit_journey_entry(author=starter, entry=private, is_shared=True, **fields)
    assert Notification.objects.filter(recipient=follower).count() == 1


def test_deleted_entry_takes_its_notification(journey: Journey, follower: Member) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    shared = entry(journey, is_shared=True)
    starter = Member.objects.get(pk=journey.thread.author_id)
    actions.delete_journey_entry(author=starter, entry=shared)
    assert not Notification.objects.filter(recipient=follower).exists()


def test_entry_notification_leads_to_the_entry_and_is_marked_read(
    journey: Journey, follower: Member
) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    shared = entry(journey, is_shared=True)
    notification = Notification.objects.get(recipient=follower)
    client = client_for(follower)
    html = client.get(reverse("forum:notifications")).content.decode()
    assert "New entry in a journey you follow" in html
    assert "My slow story" in html
    response = client.post(reverse("forum:open_notification", args=[notification.pk]))
    assert response["Location"] == shared.get_absolute_url()
    notification.refresh_from_db()
    assert notification.is_read
    html = client.get(reverse("forum:notifications")).content.decode()
    assert f'href="{shared.get_absolute_url()}"' in html


def test_followers_header_count_is_pushed_live(
    journey: Journey,
    follower: Member,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    told: list[int] = []
    monkeypatch.setattr(broadcast, "notifications_changed", told.append)
    with django_capture_on_commit_callbacks(execute=True):
        entry(journey, note=PRIVATE_NOTE)
    assert told == []
    with django_capture_on_commit_callbacks(execute=True):
        entry(journey, is_shared=True)
    assert told == [follower.pk]


def test_unread_count_counts_entry_notifications(journey: Journey, follower: Member) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    entry(journey, is_shared=True)
    client = client_for(follower)
    assert client.get(reverse("forum:unread_notifications")).json() == {"unread": 1}


def test_discreet_mode_keeps_titles_out_of_follow_notifications(
    journey: Journey, thread: Thread, follower: Member, make_reply: Callable[..., Post]
) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    actions.follow_thread(member=follower, thread=thread)
    entry(journey, is_shared=True)
    make_reply(thread)
    actions.set_discreet_mode(member=follower, enabled=True)
    html = client_for(follower).get(reverse("forum:notifications")).content.decode()
    assert "My slow story" not in html
    assert "Lubricant that worked for me" not in html
    assert "A new entry in a journey you follow" in html
    assert "A reply in a thread you follow" in html


def test_follow_notifications_about_an_anonymous_journey_hold_no_trace(
    make_member: MemberFactory, follower: Member
) -> None:
    writer = make_member("HiddenWriter4")
    journey = actions.start_journey(
        author=writer, title="Kept to myself", body="Day one.", anonymous=True
    )
    actions.follow_thread(member=follower, thread=journey.thread)
    entry(journey, is_shared=True)
    client = client_for(follower)
    html = client.get(reverse("forum:notifications")).content.decode()
    assert "Kept to myself" in html
    assert_unlinked(html, writer)
    assert_unlinked(str(client.get(reverse("forum:unread_notifications")).json()), writer)


def test_entry_of_a_removed_journey_notifies_nobody_visibly(
    journey: Journey, follower: Member
) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    entry(journey, is_shared=True)
    Thread.objects.filter(pk=journey.pk).update(status="removed")
    assert kinds_for(follower) == []


def test_notifications_page_costs_the_same_with_entry_notifications(
    journey: Journey, thread: Thread, follower: Member, django_assert_num_queries: Any
) -> None:
    actions.follow_thread(member=follower, thread=journey.thread)
    actions.follow_thread(member=follower, thread=thread)
    client = client_for(follower)
    entry(journey, is_shared=True)
    with django_assert_num_queries(4):
        client.get(reverse("forum:notifications"))
    for days in range(1, 6):
        entry(journey, is_shared=True, happened_on=timezone.localdate() - datetime.timedelta(days))
        actions.post_reply(author=Member.objects.get(pk=thread.author_id), thread=thread, body="x")
    with django_assert_num_queries(4):
        client.get(reverse("forum:notifications"))


# --- Your data ------------------------------------------------------------------------------


def test_follows_go_with_the_account_and_appear_in_the_export(
    thread: Thread, follower: Member
) -> None:
    actions.follow_thread(member=follower, thread=thread)
    data = export.member_data(follower)
    assert [row["thread_id"] for row in data["following"]] == [thread.pk]
    actions.delete_account(member=follower, keep_posts=True)
    assert not Follow.objects.exists()


def test_a_journey_removed_by_a_moderator_takes_entry_notifications_off_the_count(
    journey: Journey,
    follower: Member,
    make_member: MemberFactory,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    moderator = make_member("CalmHelper9")
    moderation_actions.make_moderator(member=moderator, by=None, reason="helps out")
    actions.follow_thread(member=follower, thread=journey.thread)
    entry(journey, is_shared=True)
    told: list[int] = []
    monkeypatch.setattr(broadcast, "notifications_changed", told.append)
    with django_capture_on_commit_callbacks(execute=True):
        moderation_actions.delete_thread(
            moderator=moderator, thread=journey.thread, reason="Off topic", guideline="be-kind"
        )
    assert follower.pk in told
    assert kinds_for(follower) == []
