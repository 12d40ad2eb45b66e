"""Appeals are promised a different pair of eyes: the moderator who made the decision does
not answer its appeal while a colleague can, and the queue shows every moderator what the
appeal asks about."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.guidelines import Guideline
from forum.models import Member, Post, PostStatus, Thread
from moderation import actions
from moderation.models import LogEntry, Notice, ReviewItem
from tests.moderation.clients import verified_client
from tests.moderation.conftest import open_item

HeldFactory = Callable[..., tuple[Post, ReviewItem]]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def published(make_thread: Callable[..., Thread], make_member: Callable[..., Member]) -> Post:
    return make_thread(author=make_member("WarmMaple"), title="Talking to a physio").posts.get()


def removed_and_appealed(post: Post, moderator: Member) -> ReviewItem:
    actions.hide_post(
        moderator=moderator, post=post, reason="It reads as pressure", guideline=Guideline.BE_KIND
    )
    notice = Notice.objects.filter(post=post, kind=Notice.Kind.POST_HIDDEN).latest("id")
    return actions.appeal(
        member=post.author, notice=notice, text="I was quoting my own doctor, nothing more."
    )


def rejected_and_appealed(held: Post, item: ReviewItem, moderator: Member) -> ReviewItem:
    actions.reject_post(
        moderator=moderator,
        item=item,
        seen_version=item.version,
        reason="Looked like an advert",
        guideline=Guideline.NO_SPAM,
    )
    notice = Notice.objects.get(post=held, kind=Notice.Kind.POST_REJECTED)
    return actions.appeal(member=held.author, notice=notice, text="It is only my own story.")


# --- The actions ------------------------------------------------------------------------


def test_deny_appeal_is_refused_to_the_deciding_moderator_while_a_colleague_exists(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    colleague = make_moderator("SecondLook")
    item = removed_and_appealed(published, moderator)
    with pytest.raises(actions.ActionRefused, match="different pair of eyes"):
        actions.deny_appeal(
            moderator=moderator, item=item, seen_version=item.version, reason="Still pressure"
        )
    item.refresh_from_db()
    assert item.is_open
    assert not LogEntry.objects.filter(action=LogEntry.Action.DENY_APPEAL).exists()
    actions.deny_appeal(
        moderator=colleague, item=item, seen_version=item.version, reason="It still reads so"
    )
    item.refresh_from_db()
    assert (item.is_open, item.resolved_by_id) == (False, colleague.pk)


def test_restore_of_an_appeal_is_refused_to_the_deciding_moderator_while_a_colleague_exists(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    make_moderator("SecondLook")
    item = removed_and_appealed(published, moderator)
    with pytest.raises(actions.ActionRefused, match="different pair of eyes"):
        actions.restore_post(
            moderator=moderator,
            post=published,
            reason="Fair",
            item=item,
            seen_version=item.version,
        )
    item.refresh_from_db()
    published.refresh_from_db()
    assert item.is_open
    assert published.status == PostStatus.REMOVED


def test_approve_of_an_appeal_is_refused_to_the_deciding_moderator_while_a_colleague_exists(
    make_held_reply: HeldFactory, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    colleague = make_moderator("SecondLook")
    held, held_item = make_held_reply(body="My first post, about my own pace")
    item = rejected_and_appealed(held, held_item, moderator)
    with pytest.raises(actions.ActionRefused, match="different pair of eyes"):
        actions.approve_post(moderator=moderator, item=item, seen_version=item.version)
    item.refresh_from_db()
    assert item.is_open
    actions.approve_post(moderator=colleague, item=item, seen_version=item.version, reason="Fine")
    held.refresh_from_db()
    assert held.status == PostStatus.PUBLISHED


def test_the_only_moderator_may_answer_an_appeal_of_their_own_decision(
    published: Post, moderator: Member
) -> None:
    item = removed_and_appealed(published, moderator)
    actions.deny_appeal(
        moderator=moderator, item=item, seen_version=item.version, reason="Still pressure"
    )
    item.refresh_from_db()
    assert not item.is_open


def test_a_suspended_or_inactive_colleague_does_not_count_as_another_pair_of_eyes(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    away = make_moderator("OnLeave")
    gone = make_moderator("LeftUs")
    actions.suspend_member(
        moderator=moderator, member=away, days=3, reason="A pause", guideline=Guideline.BE_KIND
    )
    Member.objects.filter(pk=gone.pk).update(is_active=False)
    item = removed_and_appealed(published, moderator)
    actions.restore_post(
        moderator=moderator, post=published, reason="Fair", item=item, seen_version=item.version
    )
    published.refresh_from_db()
    assert published.status == PostStatus.PUBLISHED


def test_a_superuser_counts_as_another_pair_of_eyes(
    published: Post, moderator: Member, make_member: Callable[..., Member]
) -> None:
    Member.objects.filter(pk=make_member("RootKeeper").pk).update(is_superuser=True)
    item = removed_and_appealed(published, moderator)
    with pytest.raises(actions.ActionRefused, match="different pair of eyes"):
        actions.deny_appeal(moderator=moderator, item=item, seen_version=item.version, reason="No")


def test_the_appeal_of_a_colleagues_decision_is_answered_as_usual(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    colleague = make_moderator("SecondLook")
    item = removed_and_appealed(published, colleague)
    actions.restore_post(
        moderator=moderator, post=published, reason="Fair", item=item, seen_version=item.version
    )
    published.refresh_from_db()
    assert published.status == PostStatus.PUBLISHED


def test_the_latest_decision_is_the_one_appealed(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    """Removed by one moderator, restored, removed again by another: the second decides
    whose appeal it is."""
    colleague = make_moderator("SecondLook")
    actions.hide_post(moderator=moderator, post=published, reason="Harsh", guideline="be-kind")
    actions.restore_post(moderator=colleague, post=published, reason="On reflection, fine")
    item = removed_and_appealed(published, colleague)
    actions.deny_appeal(moderator=moderator, item=item, seen_version=item.version, reason="Kept")
    assert not open_item_exists(published)


def open_item_exists(post: Post) -> bool:
    return ReviewItem.objects.filter(post=post, status=ReviewItem.Status.OPEN).exists()


# --- The queue --------------------------------------------------------------------------


def test_queue_refuses_kindly_and_keeps_the_appeal_open_for_a_colleague(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    make_moderator("SecondLook")
    item = removed_and_appealed(published, moderator)
    response = verified_client(moderator).post(
        reverse("moderation:decide", args=[item.pk]),
        {"version": item.version, "decision": "keep", "reason": "Still pressure"},
        follow=True,
    )
    assert "different pair of eyes" in text_of(response.content.decode())
    assert open_item(published).pk == item.pk


def test_queue_shows_the_appealed_decision_as_the_viewers_own(
    published: Post, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    colleague = make_moderator("SecondLook")
    item = removed_and_appealed(published, moderator)
    html = verified_client(moderator).get(reverse("moderation:queue")).content.decode()
    card = text_of(html[html.index(f'id="item-{item.pk}"') :])
    assert "Your decision" in card
    assert "Removed a post" in card
    assert "It reads as pressure" in card
    assert str(Guideline.BE_KIND.label) in card
    entry = LogEntry.objects.get(action=LogEntry.Action.HIDE_POST)
    assert f'datetime="{entry.created_at.isoformat()}"' in html
    # A colleague answers it: the decision buttons are not offered to its author.
    assert "another moderator answers it" in card
    assert f'action="{reverse("moderation:decide", args=[item.pk])}"' not in html

    theirs = verified_client(colleague).get(reverse("moderation:queue")).content.decode()
    shown = text_of(theirs)
    assert "Your decision" not in shown
    assert "Another moderator's decision" in shown
    assert "It reads as pressure" in shown
    assert moderator.pseudonym not in theirs
    assert f'action="{reverse("moderation:decide", args=[item.pk])}"' in theirs


def test_queue_offers_the_only_moderator_the_answer_to_their_own_decision(
    published: Post, moderator: Member
) -> None:
    item = removed_and_appealed(published, moderator)
    html = verified_client(moderator).get(reverse("moderation:queue")).content.decode()
    assert "Your decision" in text_of(html)
    assert f'action="{reverse("moderation:decide", args=[item.pk])}"' in html


def test_queue_shows_a_rejection_as_the_appealed_decision(
    make_held_reply: HeldFactory, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    colleague = make_moderator("SecondLook")
    held, held_item = make_held_reply(body="My first post, about my own pace")
    rejected_and_appealed(held, held_item, moderator)
    shown = text_of(verified_client(colleague).get(reverse("moderation:queue")).content.decode())
    assert "Rejected a post" in shown
    assert "Looked like an advert" in shown
    assert str(Guideline.NO_SPAM.label) in shown


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_queue_with_appeals_costs_the_same_queries_for_one_or_many(
    make_thread: Callable[..., Thread],
    make_member: Callable[..., Member],
    moderator: Member,
    make_moderator: Callable[..., Member],
) -> None:
    make_moderator("SecondLook")
    client = verified_client(moderator)
    url = reverse("moderation:queue")
    removed_and_appealed(make_thread(author=make_member()).posts.get(), moderator)
    few = _queries(client, url)
    for _n in range(4):
        removed_and_appealed(make_thread(author=make_member()).posts.get(), moderator)
    assert _queries(client, url) == few
