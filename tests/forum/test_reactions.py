"""Supportive reactions: giving and taking back, who may react to what, counts on the
thread page and live, the member's own pressed buttons, hiding counts, notifications to
the author, and proof that nothing links a reaction to anyone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions, broadcast, export
from forum.exceptions import ActionRefused
from forum.models import (
    Category,
    Member,
    Notification,
    Post,
    PostStatus,
    Reaction,
    Thread,
    TrustLevel,
)
from moderation import actions as moderation_actions
from tests.conftest import PASSWORD
from tests.forum.test_anonymous import assert_unlinked
from tests.forum.test_reading import THREAD_QUERIES
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]
Sent = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def writer(make_member: MemberFactory) -> Member:
    return make_member("SecretWriter77")


@pytest.fixture
def reader(make_member: MemberFactory) -> Member:
    return make_member("KindReader")


@pytest.fixture
def thread(writer: Member, category: Category) -> Thread:
    return actions.start_thread(
        author=writer, category=category, title="Six months in", body="I used the second size."
    )


@pytest.fixture
def opening(thread: Thread) -> Post:
    return thread.posts.get()


@pytest.fixture
def anonymous_post(writer: Member, category: Category, make_member: MemberFactory) -> Post:
    thread = actions.start_thread(
        author=writer, category=category, title="Hard to say", body="Quietly.", anonymous=True
    )
    actions.post_reply(author=make_member(), thread=thread, body="Named reply")
    return actions.post_reply(
        author=writer, thread=thread, body="Something I never told anyone.", anonymous=True
    )


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """What would go to the channel layer."""
    messages: Sent = []
    monkeypatch.setattr(
        broadcast, "_send", lambda group, message: messages.append((group, message))
    )
    return messages


def _counts(post: Post) -> dict[str, int]:
    found = Reaction.objects.counts_for([post.pk]).get(post.pk)
    return found.counts if found else {}


def _counts_partial(html: str, post: Post) -> str:
    found = re.search(rf'<p class="reaction-counts" id="reaction-counts-{post.pk}">.*?</p>', html)
    assert found is not None, "no counts on the page"
    return found.group(0)


def _reaction_form(html: str, post: Post) -> str:
    found = re.search(
        rf'<form class="reaction-form" method="post" action="/p/{post.pk}/react/".*?</form>',
        html,
        re.S,
    )
    return found.group(0) if found else ""


# --- The action ---------------------------------------------------------------------------


def test_toggle_reaction_gives_then_takes_back(reader: Member, opening: Post) -> None:
    assert actions.toggle_reaction(member=reader, post=opening, kind="hug") == {"hug"}
    assert actions.toggle_reaction(member=reader, post=opening, kind="me_too") == {"hug", "me_too"}
    assert _counts(opening) == {"hug": 1, "me_too": 1}

    assert actions.toggle_reaction(member=reader, post=opening, kind="hug") == {"me_too"}
    assert _counts(opening) == {"me_too": 1}


def test_toggle_reaction_counts_each_member_once_per_kind(
    reader: Member, opening: Post, make_member: MemberFactory
) -> None:
    for member in (reader, make_member(), make_member()):
        actions.toggle_reaction(member=member, post=opening, kind="celebrate")
    actions.toggle_reaction(member=reader, post=opening, kind="thank_you")
    assert _counts(opening) == {"celebrate": 3, "thank_you": 1}


def test_reaction_table_refuses_a_second_of_the_same_kind(reader: Member, opening: Post) -> None:
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reaction.objects.create(member=reader, post=opening, kind="hug")


@pytest.mark.parametrize("kind", ["", "downvote", "HUG", "like"])
def test_toggle_reaction_refuses_an_unknown_kind(reader: Member, opening: Post, kind: str) -> None:
    with pytest.raises(ActionRefused, match="Please choose Hug, Me too, Thank you or Celebrate"):
        actions.toggle_reaction(member=reader, post=opening, kind=kind)
    assert not Reaction.objects.exists()


def test_toggle_reaction_refuses_the_members_own_post(writer: Member, opening: Post) -> None:
    with pytest.raises(ActionRefused, match="Reactions are for other people's posts"):
        actions.toggle_reaction(member=writer, post=opening, kind="hug")
    assert not Reaction.objects.exists()


def _deleted(post: Post, moderator: Member) -> Post:
    return actions.delete_post(member=post.author, post=post)


def _removed(post: Post, moderator: Member) -> Post:
    return moderation_actions.hide_post(
        moderator=moderator, post=post, reason="Off topic", guideline="be-kind"
    )


def _hidden_for_review(post: Post, moderator: Member) -> Post:
    # What enough weighted reports do (moderation.actions.report_post).
    Post.objects.filter(pk=post.pk).update(status=PostStatus.HIDDEN_FOR_REVIEW)
    return post


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_deleted, "deleted by its author"),
        (_removed, "A moderator removed this post"),
        (_hidden_for_review, "hidden while moderators review it"),
    ],
)
def test_toggle_reaction_refuses_a_post_that_shows_no_words(
    reader: Member,
    thread: Thread,
    make_member: MemberFactory,
    change: Callable[[Post, Member], Post],
    message: str,
) -> None:
    moderator = make_member()
    moderation_actions.make_moderator(member=moderator, by=None, reason="Helps out")
    reply = actions.post_reply(author=make_member(), thread=thread, body="Words")
    change(reply, moderator)
    with pytest.raises(ActionRefused, match=message):
        actions.toggle_reaction(member=reader, post=reply, kind="hug")
    assert not Reaction.objects.exists()


def test_toggle_reaction_refuses_a_post_waiting_for_approval(
    reader: Member, thread: Thread, make_member: MemberFactory
) -> None:
    held = actions.post_reply(author=make_member(trust=TrustLevel.NEW), thread=thread, body="Hi")
    assert held.status == PostStatus.HELD
    with pytest.raises(ActionRefused, match="not published"):
        actions.toggle_reaction(member=reader, post=held, kind="hug")


def test_toggle_reaction_refuses_a_suspended_member(
    reader: Member, opening: Post, make_member: MemberFactory
) -> None:
    moderator = make_member()
    moderation_actions.make_moderator(member=moderator, by=None, reason="Helps out")
    moderation_actions.suspend_member(
        moderator=moderator, member=reader, days=2, reason="Cool down", guideline="be-kind"
    )
    with pytest.raises(ActionRefused, match="cannot post, edit, report or react"):
        actions.toggle_reaction(member=reader, post=opening, kind="hug")


def test_toggle_reaction_is_allowed_in_a_locked_thread(
    reader: Member, thread: Thread, opening: Post, make_member: MemberFactory
) -> None:
    moderator = make_member()
    moderation_actions.make_moderator(member=moderator, by=None, reason="Helps out")
    moderation_actions.lock_thread(moderator=moderator, thread=thread, reason="Calm down")
    assert actions.toggle_reaction(member=reader, post=opening, kind="hug") == {"hug"}


# --- The form, with and without JavaScript -----------------------------------------------


def test_react_form_without_javascript_goes_back_to_the_post(reader: Member, opening: Post) -> None:
    client = client_for(reader)
    response = client.post(f"/p/{opening.pk}/react/", {"kind": "hug"})
    assert response.status_code == 302
    assert response["Location"] == f"/p/{opening.pk}/"
    assert client.get(response["Location"])["Location"].endswith(f"#post-{opening.pk}")
    assert _counts(opening) == {"hug": 1}


def test_react_form_needs_the_csrf_token(reader: Member, opening: Post) -> None:
    client = client_for(reader, enforce_csrf_checks=True)
    response = client.post(f"/p/{opening.pk}/react/", {"kind": "hug"})
    assert response.status_code == 403
    assert not Reaction.objects.exists()

    page = client.get(opening.thread.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _reaction_form(page, opening))
    assert token is not None
    response = client.post(
        f"/p/{opening.pk}/react/", {"kind": "hug", "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302
    assert _counts(opening) == {"hug": 1}


def test_react_for_a_script_answers_with_counts_and_the_members_own(
    reader: Member, opening: Post, make_member: MemberFactory
) -> None:
    actions.toggle_reaction(member=make_member(), post=opening, kind="hug")
    response = client_for(reader).post(
        f"/p/{opening.pk}/react/", {"kind": "hug"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["post_id"] == opening.pk
    assert answer["mine"] == ["hug"]
    assert 'id="reaction-counts-' in answer["html"]
    assert re.search(r"Hug <span class=\"reaction-count__number\">2</span>", answer["html"])


def test_react_refusals_are_kind_messages(writer: Member, reader: Member, opening: Post) -> None:
    response = client_for(reader).post(
        f"/p/{opening.pk}/react/", {"kind": "downvote"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Please choose Hug, Me too, Thank you or Celebrate."}

    own = client_for(writer)
    response = own.post(f"/p/{opening.pk}/react/", {"kind": "hug"}, follow=True)
    assert "Reactions are for other people&#x27;s posts" in response.content.decode()
    assert not Reaction.objects.exists()


def test_react_asks_a_visitor_to_sign_in(client: Client, opening: Post) -> None:
    response = client.post(f"/p/{opening.pk}/react/", {"kind": "hug"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("forum:login"))
    assert not Reaction.objects.exists()


def test_react_takes_only_posts(reader: Member, opening: Post) -> None:
    client = client_for(reader)
    assert client.get(f"/p/{opening.pk}/react/").status_code == 405
    assert client.post("/p/999999/react/", {"kind": "hug"}).status_code == 404


# --- The thread page -----------------------------------------------------------------------


def test_thread_page_shows_counts_to_everyone_and_buttons_to_members(
    reader: Member, writer: Member, opening: Post, make_member: MemberFactory
) -> None:
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    actions.toggle_reaction(member=make_member(), post=opening, kind="hug")
    actions.toggle_reaction(member=make_member(), post=opening, kind="celebrate")
    path = opening.thread.get_absolute_url()

    pages = {
        "visitor": Client().get(path).content.decode(),
        "reader": client_for(reader).get(path).content.decode(),
        "someone": client_for(make_member()).get(path).content.decode(),
        "writer": client_for(writer).get(path).content.decode(),
    }

    counts = {who: _counts_partial(page, opening) for who, page in pages.items()}
    # The shared partial is the same bytes for every reader.
    assert len(set(counts.values())) == 1
    assert 'Hug <span class="reaction-count__number">2</span>' in counts["visitor"]
    assert 'Celebrate <span class="reaction-count__number">1</span>' in counts["visitor"]
    assert "Me too" not in counts["visitor"]
    # Buttons: for members on others' posts; the reader's own reaction is pressed.
    assert _reaction_form(pages["visitor"], opening) == ""
    assert _reaction_form(pages["writer"], opening) == ""
    form = _reaction_form(pages["reader"], opening)
    assert re.search(r'value="hug" aria-pressed="true"', form)
    assert re.search(r'value="celebrate" aria-pressed="false"', form)
    assert 'aria-pressed="true"' not in _reaction_form(pages["someone"], opening)
    # Nobody else learns who reacted.
    for who in ("visitor", "someone", "writer"):
        assert reader.pseudonym not in pages[who]


def test_thread_page_offers_no_reactions_on_tombstones(
    reader: Member, thread: Thread, make_member: MemberFactory
) -> None:
    reply = actions.post_reply(author=make_member(), thread=thread, body="Going soon")
    actions.toggle_reaction(member=reader, post=reply, kind="hug")
    actions.delete_post(member=reply.author, post=reply)
    page = client_for(reader).get(thread.get_absolute_url()).content.decode()
    assert f'id="reactions-{reply.pk}"' not in page


def test_members_may_hide_reaction_counts_and_still_react(
    reader: Member, opening: Post, make_member: MemberFactory
) -> None:
    actions.toggle_reaction(member=make_member(), post=opening, kind="hug")
    client = client_for(reader)
    response = client.post(
        reverse("forum:reaction_counts_preference"), {"hide_reaction_counts": "on"}
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.hide_reaction_counts
    settings_page = client.get(reverse("forum:settings")).content.decode()
    assert 'name="hide_reaction_counts" id="id_hide_reaction_counts"' in settings_page
    assert "Reaction counts are hidden for you." in settings_page

    page = client.get(opening.thread.get_absolute_url()).content.decode()
    assert f'id="reaction-counts-{opening.pk}"' not in page
    assert 'value="hug" aria-pressed="false"' in _reaction_form(page, opening)
    answer = client.post(
        f"/p/{opening.pk}/react/", {"kind": "hug"}, HTTP_ACCEPT="application/json"
    ).json()
    assert answer == {"post_id": opening.pk, "mine": ["hug"], "html": ""}

    client.post(reverse("forum:reaction_counts_preference"), {})
    page = client.get(opening.thread.get_absolute_url()).content.decode()
    assert 'Hug <span class="reaction-count__number">2</span>' in page


def test_thread_page_queries_do_not_grow_with_reactions(
    reader: Member, thread: Thread, make_member: MemberFactory
) -> None:
    others = [make_member() for _ in range(3)]
    path = thread.get_absolute_url()

    def measure(client: Client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    reply = actions.post_reply(author=others[0], thread=thread, body="First")
    actions.toggle_reaction(member=reader, post=reply, kind="hug")
    few = {"visitor": measure(Client()), "member": measure(client_for(reader))}
    for number in range(12):
        reply = actions.post_reply(author=others[number % 3], thread=thread, body=f"{number}")
        for member in [reader, *others]:
            if member != reply.author:
                actions.toggle_reaction(member=member, post=reply, kind="me_too")
                actions.toggle_reaction(member=member, post=reply, kind="thank_you")
    many = {"visitor": measure(Client()), "member": measure(client_for(reader))}
    assert few == many == THREAD_QUERIES


# --- Live ------------------------------------------------------------------------------------


def test_reactions_changed_carries_the_shared_counts_to_the_thread(
    reader: Member,
    opening: Post,
    sent: Sent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.toggle_reaction(member=reader, post=opening, kind="hug")
    events = [(g, m) for g, m in sent if m.get("event") == "reactions_changed"]
    assert len(events) == 1
    group, message = events[0]
    assert group == f"thread-{opening.thread_id}"
    payload = json.loads(message["text"])
    assert payload["event"] == "reactions_changed"
    assert payload["post_id"] == opening.pk
    page = Client().get(opening.thread.get_absolute_url()).content.decode()
    assert payload["html"] == _counts_partial(page, opening)
    assert reader.pseudonym not in message["text"]


def test_reaction_broadcast_failure_never_fails_the_reaction(
    reader: Member,
    opening: Post,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(post_id: int) -> str:
        raise RuntimeError("template gone")

    monkeypatch.setattr(broadcast, "post_counts_html", broken)
    with django_capture_on_commit_callbacks(execute=True):
        actions.toggle_reaction(member=reader, post=opening, kind="hug")
    assert _counts(opening) == {"hug": 1}


# --- Notifications -------------------------------------------------------------------------


def test_a_reaction_notifies_the_author_once_per_post(
    writer: Member,
    reader: Member,
    opening: Post,
    make_member: MemberFactory,
    sent: Sent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.toggle_reaction(member=reader, post=opening, kind="hug")
        actions.toggle_reaction(member=reader, post=opening, kind="me_too")
        actions.toggle_reaction(member=make_member(), post=opening, kind="celebrate")
    told = Notification.objects.filter(recipient=writer, post=opening)
    assert [n.kind for n in told] == [Notification.Kind.REACTED_TO_YOUR_POST]
    to_writer = [m for g, m in sent if g == f"member-{writer.pk}"]
    assert to_writer
    assert all(
        json.loads(m["text"]) == {"event": "notifications_changed", "unread": 1} for m in to_writer
    )
    assert not Notification.objects.filter(recipient=reader).exists()


def test_a_read_reaction_notification_comes_back_with_the_next_reaction(
    writer: Member, reader: Member, opening: Post, make_member: MemberFactory
) -> None:
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    actions.mark_all_notifications_read(member=writer)
    # Taking a reaction back tells nobody anything.
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    assert not Notification.objects.filter(recipient=writer).unread().exists()

    actions.toggle_reaction(member=make_member(), post=opening, kind="thank_you")
    assert Notification.objects.filter(recipient=writer).unread().count() == 1
    assert Notification.objects.filter(recipient=writer).count() == 1


def test_a_reaction_in_a_thread_its_author_muted_tells_them_nothing(
    writer: Member, reader: Member, opening: Post
) -> None:
    actions.mute_thread(member=writer, thread=opening.thread)

    actions.toggle_reaction(member=reader, post=opening, kind="hug")

    assert not Notification.objects.filter(recipient=writer).exists()


def test_a_reaction_from_a_blocked_member_still_tells_the_author(
    writer: Member, reader: Member, opening: Post, make_reply: Callable[..., Post]
) -> None:
    # A reaction shows no name: silencing it would tell the blocker who reacted.
    actions.block_member(member=writer, post=make_reply(opening.thread, author=reader))

    actions.toggle_reaction(member=reader, post=opening, kind="hug")

    reacted = Notification.objects.filter(recipient=writer, post=opening)
    assert [n.kind for n in reacted] == [Notification.Kind.REACTED_TO_YOUR_POST]


def test_the_notifications_page_says_someone_reacted_without_naming_them(
    writer: Member, reader: Member, opening: Post
) -> None:
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    page = client_for(writer).get("/notifications/").content.decode()
    assert "Someone reacted to your post" in page
    assert reader.pseudonym not in page


# --- Anonymous posts: nothing links the reaction to its author --------------------------------


def test_reactions_to_an_anonymous_post_hold_no_trace(
    writer: Member,
    reader: Member,
    anonymous_post: Post,
    sent: Sent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(reader)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/p/{anonymous_post.pk}/react/", {"kind": "hug"}, HTTP_ACCEPT="application/json"
        )
    assert_unlinked(answer.content.decode(), writer)
    # Socket messages to readers of the thread, and the page itself.
    thread_events = [m for g, m in sent if g.startswith("thread-")]
    assert [json.loads(m["text"])["event"] for m in thread_events] == ["reactions_changed"]
    for message in thread_events:
        assert_unlinked(json.dumps(message), writer)
    page = client.get(anonymous_post.thread.get_absolute_url()).content.decode()
    assert_unlinked(page, writer)
    # The author is told, in their own group, with a count only.
    assert Notification.objects.filter(recipient=writer, post=anonymous_post).exists()
    private = [m for g, m in sent if g.startswith("member-")]
    assert {g for g, m in sent if g.startswith("member-")} == {f"member-{writer.pk}"}
    assert all(set(json.loads(m["text"])) == {"event", "unread"} for m in private)
    # The reactor learns nothing of the author: not in their notifications, nor export.
    assert_unlinked(client.get("/notifications/").content.decode(), writer)
    assert_unlinked(export.member_data_json(reader), writer)


# --- Your data -------------------------------------------------------------------------------


def test_the_export_lists_the_reactions_given(
    writer: Member, reader: Member, opening: Post, anonymous_post: Post
) -> None:
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    actions.toggle_reaction(member=reader, post=anonymous_post, kind="me_too")
    actions.toggle_reaction(member=writer, post=Post.objects.get(body="Named reply"), kind="hug")
    data = json.loads(export.member_data_json(reader))
    assert [(r["post_id"], r["kind"]) for r in data["reactions"]] == [
        (opening.pk, "hug"),
        (anonymous_post.pk, "me_too"),
    ]
    assert data["profile"]["preferences"]["hide_reaction_counts"] is False


def test_deleting_the_account_takes_its_reactions_and_lowers_the_counts(
    reader: Member,
    opening: Post,
    make_member: MemberFactory,
    sent: Sent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    actions.toggle_reaction(member=reader, post=opening, kind="hug")
    actions.toggle_reaction(member=make_member(), post=opening, kind="hug")
    sent.clear()
    client = client_for(reader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("forum:delete_account"), {"posts": "keep", "password": PASSWORD}
        )
    assert response.status_code == 302
    assert not Reaction.objects.filter(member_id=reader.pk).exists()
    assert _counts(opening) == {"hug": 1}
    changed = [json.loads(m["text"]) for g, m in sent if m.get("event") == "reactions_changed"]
    assert [event["post_id"] for event in changed] == [opening.pk]
    assert 'Hug <span class="reaction-count__number">1</span>' in changed[0]["html"]


def test_the_page_holds_an_empty_block_for_replies_that_arrive_live(
    reader: Member, writer: Member, opening: Post
) -> None:
    def template(client: Client) -> str:
        html = client.get(opening.thread.get_absolute_url()).content.decode()
        found = re.search(
            r'<div class="reactions-model" id="reactions-model" hidden>(.*?</div>)</div>',
            html,
            re.S,
        )
        assert found is not None
        return found.group(1)

    for_member = template(client_for(reader))
    assert 'id="reactions-0"' in for_member
    assert 'action="/p/0/react/"' in for_member
    assert 'id="reaction-counts-0"' in for_member
    assert 'aria-pressed="true"' not in for_member
    for_visitor = template(Client())
    assert 'id="reaction-counts-0"' in for_visitor
    assert "<form" not in for_visitor
    assert_unlinked(for_member, writer)
