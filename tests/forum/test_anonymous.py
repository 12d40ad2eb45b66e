"""Anonymous posting: the policy, aliases, the author's own view, and proof that no
public output links an anonymous post to its account."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum import actions, aliases, broadcast, fragments
from forum.models import AnonymousPosting, Category, Member, Notification, Post, Thread
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]


def traces(member: Member) -> list[str]:
    """What must never appear where others look: the pseudonym and anything made from
    the account's id."""
    return [
        member.pseudonym,
        f"member-{member.pk}",
        f"/moderation/members/{member.pk}/",
        "data-author",
        f'"author_id": {member.pk}',
        f'"author": {member.pk}',
    ]


def assert_unlinked(text: str, member: Member) -> None:
    for trace in traces(member):
        assert trace not in text, trace


@pytest.fixture
def writer(make_member: MemberFactory) -> Member:
    return make_member("SecretWriter77")


@pytest.fixture
def reader(make_member: MemberFactory) -> Member:
    return make_member("OtherReader")


@pytest.fixture
def anonymous_thread(writer: Member, category: Category) -> Thread:
    return actions.start_thread(
        author=writer,
        category=category,
        title="The hardest part",
        body="Something I never told anyone.",
        anonymous=True,
    )


def _set_policy(category: Category, policy: str) -> Category:
    # Policies are set in the admin; there is no action for it, so a raw update.
    Category.objects.filter(pk=category.pk).update(anonymous_posting=policy)
    category.refresh_from_db()
    return category


# --- Policy and forms ----------------------------------------------------------------------


def test_reply_form_offers_post_anonymously(anonymous_thread: Thread, reader: Member) -> None:
    html = client_for(reader).get(anonymous_thread.get_absolute_url()).content.decode()
    assert 'name="anonymous"' in html
    assert "Post anonymously" in html


def test_policy_off_hides_the_box_and_ignores_a_forged_field(
    category: Category, writer: Member, reader: Member
) -> None:
    _set_policy(category, AnonymousPosting.OFF)
    thread = actions.start_thread(
        author=writer, category=category, title="Named", body="Hello", anonymous=True
    )
    assert not thread.is_anonymous
    assert not thread.posts.get().is_anonymous
    client = client_for(reader)
    assert 'name="anonymous"' not in client.get(thread.get_absolute_url()).content.decode()
    client.post(f"/t/{thread.pk}/reply/", {"body": "A reply", "anonymous": "on"})
    assert not Post.objects.get(thread=thread, author=reader).is_anonymous


def test_policy_always_makes_every_post_anonymous_and_says_so(
    category: Category, writer: Member, reader: Member
) -> None:
    _set_policy(category, AnonymousPosting.ALWAYS)
    thread = actions.start_thread(author=writer, category=category, title="T", body="B")
    assert thread.is_anonymous
    client = client_for(reader)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Every post in this category is anonymous" in html
    client.post(f"/t/{thread.pk}/reply/", {"body": "A reply"})
    assert Post.objects.get(thread=thread, author=reader).is_anonymous


def test_reply_form_posts_anonymously(anonymous_thread: Thread, reader: Member) -> None:
    client_for(reader).post(
        f"/t/{anonymous_thread.pk}/reply/", {"body": "Me too", "anonymous": "on"}
    )
    assert Post.objects.get(thread=anonymous_thread, author=reader).is_anonymous


def test_new_thread_form_posts_anonymously(writer: Member, category: Category) -> None:
    client_for(writer).post(
        "/new/", {"category": category.pk, "title": "Mine", "body": "Words", "anonymous": "on"}
    )
    thread = Thread.objects.get(title="Mine")
    assert thread.is_anonymous
    assert thread.posts.get().is_anonymous


# --- Aliases ---------------------------------------------------------------------------------


def test_alias_is_stable_in_a_thread_and_differs_across_threads(
    writer: Member, category: Category, make_thread: Callable[..., Thread]
) -> None:
    threads = [make_thread() for _ in range(12)]
    names = {aliases.base_alias(thread.pk, writer.pk) for thread in threads}
    assert aliases.base_alias(threads[0].pk, writer.pk) == aliases.base_alias(
        threads[0].pk, writer.pk
    )
    assert len(names) > 1
    assert all(name.startswith("Anonymous ") for name in names)


def test_alias_depends_on_the_secret(settings: Any) -> None:
    first = [aliases.base_alias(thread_id, 5) for thread_id in range(20)]
    settings.ALIAS_SECRET = "another secret"
    assert [aliases.base_alias(thread_id, 5) for thread_id in range(20)] != first


def test_anonymous_starter_carries_original_poster(
    anonymous_thread: Thread, writer: Member, reader: Member
) -> None:
    reply = actions.post_reply(author=writer, thread=anonymous_thread, body="More", anonymous=True)
    html = client_for(reader).get(anonymous_thread.get_absolute_url()).content.decode()
    assert html.count("(original poster)") == 2
    assert aliases.post_alias(reply).endswith("(original poster)")


def test_named_starter_replying_anonymously_is_not_original_poster(
    make_thread: Callable[..., Thread], writer: Member
) -> None:
    thread = make_thread(author=writer)
    reply = actions.post_reply(author=writer, thread=thread, body="Quietly", anonymous=True)
    assert "original poster" not in aliases.post_alias(reply)


def test_colliding_aliases_are_numbered_by_first_post(
    anonymous_thread: Thread, make_member: MemberFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aliases, "base_alias", lambda thread_id, member_id: "Anonymous Same")
    first = actions.post_reply(
        author=make_member(), thread=anonymous_thread, body="One", anonymous=True
    )
    second = actions.post_reply(
        author=make_member(), thread=anonymous_thread, body="Two", anonymous=True
    )
    again = actions.post_reply(
        author=first.author, thread=anonymous_thread, body="Three", anonymous=True
    )
    posts = [first, second, again]
    loaded = list(Post.objects.in_reading_order().filter(pk__in=[p.pk for p in posts]))
    aliases.assign(loaded)
    shown = {post.pk: post.alias for post in loaded}
    assert shown == {
        first.pk: "Anonymous Same",
        second.pk: "Anonymous Same 2",
        again.pk: "Anonymous Same",
    }


# --- Still yours -------------------------------------------------------------------------------


def test_author_edits_deletes_and_lists_their_anonymous_post(
    anonymous_thread: Thread, writer: Member
) -> None:
    reply = actions.post_reply(author=writer, thread=anonymous_thread, body="Mine", anonymous=True)
    client = client_for(writer)
    page = client.get(anonymous_thread.get_absolute_url()).content.decode()
    assert f"/p/{reply.pk}/edit/" in page
    assert f"/p/{reply.pk}/delete/" in page
    mine = client.get("/my-posts/").content.decode()
    assert "only you can see that this is you" in mine
    assert aliases.post_alias(reply) in mine
    client.post(f"/p/{reply.pk}/edit/", {"body": "Mine, edited"})
    assert Post.objects.get(pk=reply.pk).body == "Mine, edited"
    client.post(f"/p/{reply.pk}/delete/")
    assert Post.objects.get(pk=reply.pk).is_deleted


def test_my_posts_shows_only_the_viewers_own(anonymous_thread: Thread, reader: Member) -> None:
    html = client_for(reader).get("/my-posts/").content.decode()
    assert "The hardest part" not in html


def test_author_is_notified_about_their_anonymous_posts(
    anonymous_thread: Thread, writer: Member, reader: Member, make_member: MemberFactory
) -> None:
    reply = actions.post_reply(author=reader, thread=anonymous_thread, body="Hugs")
    assert Notification.objects.filter(recipient=writer, post=reply).exists()
    anonymous_reply = actions.post_reply(
        author=writer, thread=anonymous_thread, body="Thanks", anonymous=True
    )
    third = make_member()
    quoting = actions.post_reply(
        author=third, thread=anonymous_thread, body="> Thanks", quoted_post=anonymous_reply
    )
    assert Notification.objects.filter(
        recipient=writer, post=quoting, kind=Notification.Kind.QUOTED_YOU
    ).exists()


# --- Proven unlinkable ---------------------------------------------------------------------------


@pytest.fixture
def anonymous_reply(anonymous_thread: Thread, writer: Member, make_member: MemberFactory) -> Post:
    actions.post_reply(author=make_member(), thread=anonymous_thread, body="Named reply")
    return actions.post_reply(
        author=writer, thread=anonymous_thread, body="Anonymous reply", anonymous=True
    )


@pytest.mark.parametrize("who", ["visitor", "reader"])
def test_thread_page_holds_no_trace(
    anonymous_reply: Post, writer: Member, reader: Member, who: str
) -> None:
    client = Client() if who == "visitor" else client_for(reader)
    response = client.get(anonymous_reply.thread.get_absolute_url())
    assert response.status_code == 200
    assert_unlinked(response.content.decode(), writer)


def test_listings_show_the_alias_not_the_starter(
    anonymous_thread: Thread, writer: Member, reader: Member, category: Category
) -> None:
    client = client_for(reader)
    listing = client.get(category.get_absolute_url()).content.decode()
    assert anonymous_thread.starter_alias in listing
    assert_unlinked(listing, writer)
    assert_unlinked(client.get("/").content.decode(), writer)


def test_fragments_and_catch_up_hold_no_trace(anonymous_reply: Post, writer: Member) -> None:
    thread = anonymous_reply.thread
    posts = list(thread.posts.placed().in_reading_order())
    for fragment in fragments.post_fragments(posts):
        assert_unlinked(str(fragment), writer)
    first = posts[0]
    response = Client().get(f"/t/{thread.pk}/posts/?after={first.pk}")
    assert_unlinked(response.content.decode(), writer)
    assert aliases.post_alias(anonymous_reply) in json.loads(response.content)["posts"][-1]["html"]


def test_socket_messages_hold_no_trace(
    anonymous_thread: Thread, writer: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(broadcast, "_send", lambda group, message: sent.append((group, message)))
    reply = actions.post_reply(
        author=writer, thread=anonymous_thread, body="Live words", anonymous=True
    )
    broadcast.reply_posted(reply.pk)
    actions.edit_post(editor=writer, post=reply, body="Live words, edited")
    broadcast.post_changed(reply.pk)
    events = [message for group, message in sent if group.startswith("thread-")]
    assert {message["event"] for message in events} >= {"reply_posted", "post_changed"}
    for message in events:
        assert_unlinked(json.dumps(message), writer)
        assert "Live words" in message["text"]


def test_quote_of_an_anonymous_post_shows_the_alias(
    anonymous_reply: Post, writer: Member, reader: Member
) -> None:
    response = client_for(reader).get(
        f"/t/{anonymous_reply.thread_id}/reply/?quote={anonymous_reply.pk}"
    )
    html = response.content.decode()
    assert aliases.post_alias(anonymous_reply) in html
    assert_unlinked(html, writer)


def test_notifications_to_others_hold_no_trace(
    anonymous_reply: Post, writer: Member, make_member: MemberFactory
) -> None:
    starter = make_member()
    thread = actions.start_thread(
        author=starter, category=anonymous_reply.thread.category, title="Named", body="Hi"
    )
    actions.post_reply(author=writer, thread=thread, body="Anonymous answer", anonymous=True)
    client = client_for(starter)
    assert_unlinked(client.get("/notifications/").content.decode(), writer)
    assert_unlinked(client.get("/notifications/unread/").content.decode(), writer)


def test_error_pages_hold_no_trace(anonymous_reply: Post, writer: Member, reader: Member) -> None:
    client = client_for(reader)
    for path in (
        f"/p/{anonymous_reply.pk}/edit/",
        f"/p/{anonymous_reply.pk}/delete/",
        f"/p/{anonymous_reply.pk}/history/",
        f"/t/{anonymous_reply.thread_id}/posts/?after=x",
    ):
        response = client.get(path)
        assert response.status_code >= 400
        assert_unlinked(response.content.decode(), writer)


def test_fragment_switched_to_anonymous_is_not_served_stale(
    make_thread: Callable[..., Thread], writer: Member
) -> None:
    thread = make_thread(author=writer)
    posts = list(thread.posts.placed().in_reading_order())
    assert writer.pseudonym in str(fragments.post_fragments(posts)[0])
    Post.objects.filter(thread=thread).update(is_anonymous=True)
    posts = list(thread.posts.placed().in_reading_order())
    assert writer.pseudonym not in str(fragments.post_fragments(posts)[0])


def test_anonymous_posts_cost_no_more_queries_per_post(
    anonymous_thread: Thread, make_member: MemberFactory, reader: Member
) -> None:
    client = client_for(reader)
    for index in range(2):
        actions.post_reply(
            author=make_member(), thread=anonymous_thread, body=f"r{index}", anonymous=True
        )
    client.get(anonymous_thread.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(anonymous_thread.get_absolute_url())
    for index in range(6):
        actions.post_reply(
            author=make_member(), thread=anonymous_thread, body=f"s{index}", anonymous=True
        )
    with CaptureQueriesContext(connection) as many:
        client.get(anonymous_thread.get_absolute_url())
    assert len(many) == len(few)


def test_another_members_export_never_holds_the_author(
    anonymous_reply: Post, writer: Member, reader: Member
) -> None:
    export = pytest.importorskip("forum.export")
    actions.post_reply(
        author=reader, thread=anonymous_reply.thread, body="Reply", quoted_post=anonymous_reply
    )
    assert_unlinked(export.member_data_json(reader), writer)
