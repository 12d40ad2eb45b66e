"""Mute a thread or a category, block a member, hide an anonymous author in a thread
(issue 6, point 8), and the one decision whether a member is told about a post."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from forum import actions, aliases, export, people
from forum.exceptions import ActionRefused
from forum.models import Block, Category, HiddenAuthor, Member, Notification, Post, Thread
from tests.forum.test_anonymous import assert_unlinked
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]
ThreadFactory = Callable[..., Thread]


@pytest.fixture
def reader(make_member: MemberFactory) -> Member:
    return make_member("CarefulReader")


@pytest.fixture
def unkind(make_member: MemberFactory) -> Member:
    return make_member("UnkindVoice")


def page_data(html: str, name: str) -> list[str]:
    """A JSON list the thread page carries on #posts for the reader's browser."""
    found = re.search(rf'data-{name}="([^"]*)"', html)
    assert found is not None, name
    loaded: list[str] = json.loads(found.group(1).replace("&quot;", '"'))
    return loaded


def told(member: Member) -> list[str]:
    return list(Notification.objects.filter(recipient=member).values_list("kind", flat=True))


# --- Muting --------------------------------------------------------------------------------


def test_mute_thread_takes_it_out_of_the_members_category_list(
    make_thread: ThreadFactory, reader: Member, category: Category
) -> None:
    quiet = make_thread(title="Loud discussion")
    make_thread(title="Calm discussion")
    client = client_for(reader)
    assert client.post(f"/t/{quiet.pk}/mute/").status_code == 302

    listing = client.get(category.get_absolute_url()).content.decode()
    assert "Loud discussion" not in listing
    assert "Calm discussion" in listing
    # Only for the member who muted it.
    assert "Loud discussion" in Client().get(category.get_absolute_url()).content.decode()
    # The thread itself still opens, and says it is muted with a button to undo it.
    page = client.get(quiet.get_absolute_url()).content.decode()
    assert "You muted this thread" in page
    assert f'action="/t/{quiet.pk}/unmute/"' in page


def test_unmute_thread_brings_it_back(make_thread: ThreadFactory, reader: Member) -> None:
    quiet = make_thread(title="Loud discussion")
    client = client_for(reader)
    client.post(f"/t/{quiet.pk}/mute/")
    client.post(f"/t/{quiet.pk}/unmute/")
    assert "Loud discussion" in client.get(quiet.category.get_absolute_url()).content.decode()


def test_mute_category_lists_it_apart_on_the_home_page(reader: Member, category: Category) -> None:
    client = client_for(reader)
    client.post(f"/c/{category.slug}/mute/")
    home = client.get("/").content.decode()
    main, _sep, muted = home.partition('id="muted-categories-heading"')
    assert escape(category.name) not in main
    assert escape(category.name) in muted
    assert "Categories you muted" not in Client().get("/").content.decode()
    # Its own page still lists its threads: the member came to it.
    page = client.get(category.get_absolute_url()).content.decode()
    assert "You muted this category" in page


def test_unmuted_for_leaves_out_muted_threads_and_muted_categories(
    make_thread: ThreadFactory, reader: Member, category: Category
) -> None:
    other_category = Category.objects.exclude(pk=category.pk).first()
    assert other_category is not None
    kept = make_thread(title="Kept")
    muted = make_thread(title="Muted one")
    in_muted_category = make_thread(title="Elsewhere", in_category=other_category)
    actions.mute_thread(member=reader, thread=muted)
    actions.mute_category(member=reader, category=other_category)

    listed = set(Thread.objects.unmuted_for(reader))
    assert kept in listed
    assert muted not in listed
    assert in_muted_category not in listed
    assert set(Thread.objects.unmuted_for(Client().get("/").wsgi_request.user)) >= {
        kept,
        muted,
        in_muted_category,
    }


def test_muted_thread_and_category_send_no_notifications(
    make_thread: ThreadFactory, make_member: MemberFactory, reader: Member, category: Category
) -> None:
    muted_thread = make_thread(author=reader, title="Muted")
    actions.mute_thread(member=reader, thread=muted_thread)
    actions.post_reply(author=make_member(), thread=muted_thread, body="A reply")
    assert told(reader) == []

    other = make_thread(author=reader, title="In a muted category")
    actions.mute_category(member=reader, category=category)
    actions.post_reply(author=make_member(), thread=other, body="Another reply")
    assert told(reader) == []

    actions.unmute_category(member=reader, category=category)
    actions.post_reply(author=make_member(), thread=other, body="After unmuting")
    assert told(reader) == [Notification.Kind.REPLY_IN_YOUR_THREAD]


def test_muting_needs_a_post_and_an_account(make_thread: ThreadFactory, reader: Member) -> None:
    thread = make_thread()
    assert client_for(reader).get(f"/t/{thread.pk}/mute/").status_code == 405
    visitor = Client().post(f"/t/{thread.pk}/mute/")
    assert visitor.status_code == 302
    assert "/login/" in visitor["Location"]
    assert client_for(reader).post("/t/999999/mute/").status_code == 404
    assert client_for(reader).post("/c/no-such-category/mute/").status_code == 404


def test_settings_lists_what_is_muted_with_unmute_buttons(
    make_thread: ThreadFactory, reader: Member, category: Category
) -> None:
    thread = make_thread(title="A thread I muted")
    actions.mute_thread(member=reader, thread=thread)
    actions.mute_category(member=reader, category=category)
    client = client_for(reader)
    page = client.get("/settings/people/").content.decode()
    assert "A thread I muted" in page
    assert escape(category.name) in page
    assert f'action="/t/{thread.pk}/unmute/"' in page
    response = client.post(f"/t/{thread.pk}/unmute/", {"back": "settings"})
    assert response["Location"] == "/settings/people/"
    assert "A thread I muted" not in client.get("/settings/people/").content.decode()
    assert "/settings/people/" in client.get("/settings/").content.decode()


# --- Blocking ------------------------------------------------------------------------------


def test_block_from_a_named_post_asks_then_blocks_quietly(
    make_thread: ThreadFactory, reader: Member, unkind: Member
) -> None:
    thread = make_thread(author=unkind)
    post = thread.posts.get()
    client = client_for(reader)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'href="/p/{post.pk}/block/"' in page
    assert page_data(page, "blocked-pseudonyms") == []

    confirm = client.get(f"/p/{post.pk}/block/")
    assert "Block UnkindVoice?" in confirm.content.decode()
    assert not Block.objects.exists()
    client.post(f"/p/{post.pk}/block/")
    assert Block.objects.filter(blocker=reader, blocked=unkind).exists()

    page = client.get(thread.get_absolute_url()).content.decode()
    assert page_data(page, "blocked-pseudonyms") == ["UnkindVoice"]
    assert "You blocked this member." in page
    assert f'href="/p/{post.pk}/block/"' not in page
    # The blocked member is never told: nothing on their pages, nothing sent to them.
    theirs = client_for(unkind).get(thread.get_absolute_url()).content.decode()
    assert page_data(theirs, "blocked-pseudonyms") == []
    assert "CarefulReader" not in theirs
    assert told(unkind) == []


def test_block_is_refused_for_anonymous_and_own_posts(
    make_thread: ThreadFactory, reader: Member, unkind: Member, category: Category
) -> None:
    anonymous = actions.start_thread(
        author=unkind, category=category, title="Anon", body="Hidden", anonymous=True
    )
    own = make_thread(author=reader)
    client = client_for(reader)
    for post in (anonymous.posts.get(), own.posts.get()):
        assert client.get(f"/p/{post.pk}/block/").status_code == 404
        assert client.post(f"/p/{post.pk}/block/").status_code == 404
    with pytest.raises(ActionRefused):
        actions.block_member(member=reader, post=anonymous.posts.get())
    with pytest.raises(ActionRefused):
        actions.block_member(member=reader, post=own.posts.get())
    assert not Block.objects.exists()
    assert client.post("/p/999999/block/").status_code == 404


def test_a_blocked_member_stops_notifying_the_blocker(
    make_thread: ThreadFactory, reader: Member, unkind: Member
) -> None:
    thread = make_thread(author=reader)
    opening = thread.posts.get()
    actions.block_member(
        member=reader, post=actions.post_reply(author=unkind, thread=thread, body="x")
    )
    Notification.objects.all().delete()
    actions.post_reply(author=unkind, thread=thread, body="Reply in your thread")
    actions.post_reply(author=unkind, thread=thread, body="Quoting you", quoted_post=opening)
    assert told(reader) == []


def test_privacy_trap_a_blocked_members_anonymous_posts_are_untouched(
    make_thread: ThreadFactory, reader: Member, unkind: Member
) -> None:
    """A block follows an account; an anonymous post must look to the blocker exactly as
    anyone else's anonymous post: neither folded nor silenced, or the blocker would learn
    who wrote it."""
    thread = make_thread(author=reader)
    opening = thread.posts.get()
    named = actions.post_reply(author=unkind, thread=thread, body="Named words")
    actions.block_member(member=reader, post=named)
    Notification.objects.all().delete()

    anonymous = actions.post_reply(
        author=unkind, thread=thread, body="Anonymous words", anonymous=True, quoted_post=opening
    )
    # Still notified, as for anyone's anonymous reply.
    assert told(reader) == [Notification.Kind.QUOTED_YOU]

    page = client_for(reader).get(thread.get_absolute_url()).content.decode()
    # The page folds by the name a post shows: the alias is not among the blocked names,
    # and nothing hidden by alias.
    assert page_data(page, "blocked-pseudonyms") == ["UnkindVoice"]
    assert page_data(page, "hidden-aliases") == []
    # The anonymous post offers what any anonymous post does, not "you blocked".
    fragment, after = page.split(f'id="post-{anonymous.pk}"', 1)[1].split("</article>", 1)
    its_controls = after.split("<article", 1)[0]
    assert "Hide this author in this thread" in its_controls
    assert "You blocked" not in its_controls
    assert page.count("You blocked this member.") == 1
    # Its fragment says nothing of the account.
    assert_unlinked(fragment, unkind)


def test_unblock_from_settings(make_thread: ThreadFactory, reader: Member, unkind: Member) -> None:
    post = make_thread(author=unkind).posts.get()
    actions.block_member(member=reader, post=post)
    block = Block.objects.get()
    client = client_for(reader)
    assert "UnkindVoice" in client.get("/settings/people/").content.decode()
    # Someone else's block is not found by its number.
    assert client_for(unkind).post(f"/settings/people/blocks/{block.pk}/remove/").status_code == 404
    assert client.get(f"/settings/people/blocks/{block.pk}/remove/").status_code == 405
    client.post(f"/settings/people/blocks/{block.pk}/remove/")
    assert not Block.objects.exists()


# --- Hiding an anonymous author in a thread -------------------------------------------------


@pytest.fixture
def anonymous_reply(make_thread: ThreadFactory, reader: Member, unkind: Member) -> Post:
    thread = make_thread(author=reader, title="Where I am")
    actions.post_reply(author=unkind, thread=thread, body="Named reply")
    return actions.post_reply(author=unkind, thread=thread, body="Masked reply", anonymous=True)


def test_hide_author_folds_that_alias_in_that_thread_only(
    anonymous_reply: Post, reader: Member, unkind: Member
) -> None:
    thread = anonymous_reply.thread
    alias = aliases.post_alias(anonymous_reply)
    client = client_for(reader)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'href="/p/{anonymous_reply.pk}/hide-author/"' in page
    confirm = client.get(f"/p/{anonymous_reply.pk}/hide-author/").content.decode()
    assert alias in confirm
    assert_unlinked(confirm, unkind)
    client.post(f"/p/{anonymous_reply.pk}/hide-author/")

    page = client.get(thread.get_absolute_url()).content.decode()
    assert page_data(page, "hidden-aliases") == [alias]
    assert page_data(page, "blocked-pseudonyms") == []
    assert f'href="/p/{anonymous_reply.pk}/hide-author/"' not in page
    assert "You hid this author in this thread." in page
    # The anonymous post and the reader's controls beside it name the alias only (the
    # same member's named reply, above it, shows their pseudonym as it does to everyone).
    fragment, after = page.split(f'id="post-{anonymous_reply.pk}"', 1)[1].split("</article>", 1)
    assert_unlinked(fragment + after.split("<article", 1)[0], unkind)
    settings_page = client.get("/settings/people/").content.decode()
    assert alias in settings_page
    assert_unlinked(settings_page, unkind)
    exported = export.member_data_json(reader)
    assert alias in exported
    assert_unlinked(exported, unkind)


def test_hide_author_of_an_anonymous_starter_uses_the_original_poster_alias(
    reader: Member, unkind: Member, category: Category
) -> None:
    thread = actions.start_thread(
        author=unkind, category=category, title="Anon start", body="Hi", anonymous=True
    )
    actions.hide_anonymous_author(member=reader, post=thread.posts.get())
    page = client_for(reader).get(thread.get_absolute_url()).content.decode()
    assert page_data(page, "hidden-aliases") == [thread.starter_alias]


def test_hidden_alias_stops_notifying_but_the_same_members_named_posts_do_not(
    anonymous_reply: Post, reader: Member, unkind: Member
) -> None:
    actions.hide_anonymous_author(member=reader, post=anonymous_reply)
    Notification.objects.all().delete()
    thread = anonymous_reply.thread
    actions.post_reply(author=unkind, thread=thread, body="Masked again", anonymous=True)
    assert told(reader) == []
    # Silencing their named reply would tie the alias to the account.
    actions.post_reply(author=unkind, thread=thread, body="Named again")
    assert told(reader) == [Notification.Kind.REPLY_IN_YOUR_THREAD]


def test_hide_author_is_refused_for_named_and_own_posts(
    anonymous_reply: Post, reader: Member, unkind: Member
) -> None:
    named = anonymous_reply.thread.posts.get(body="Named reply")
    assert client_for(reader).post(f"/p/{named.pk}/hide-author/").status_code == 404
    assert client_for(unkind).post(f"/p/{anonymous_reply.pk}/hide-author/").status_code == 404
    with pytest.raises(ActionRefused):
        actions.hide_anonymous_author(member=reader, post=named)
    with pytest.raises(ActionRefused):
        actions.hide_anonymous_author(member=unkind, post=anonymous_reply)
    assert not HiddenAuthor.objects.exists()


def test_show_a_hidden_author_again_from_settings(
    anonymous_reply: Post, reader: Member, unkind: Member
) -> None:
    actions.hide_anonymous_author(member=reader, post=anonymous_reply)
    hidden = HiddenAuthor.objects.get()
    assert (
        client_for(unkind).post(f"/settings/people/hidden/{hidden.pk}/remove/").status_code == 404
    )
    client_for(reader).post(f"/settings/people/hidden/{hidden.pk}/remove/")
    assert not HiddenAuthor.objects.exists()


# --- The one decision, and what it costs ---------------------------------------------------


def test_notifiable_recipients_decides_in_one_query(
    make_thread: ThreadFactory, make_member: MemberFactory, unkind: Member
) -> None:
    thread = make_thread()
    post = actions.post_reply(author=unkind, thread=thread, body="Hello")
    members = [make_member() for _ in range(6)]
    actions.block_member(member=members[0], post=post)
    actions.mute_thread(member=members[1], thread=thread)
    actions.mute_category(member=members[2], category=thread.category)
    with CaptureQueriesContext(connection) as queries:
        decided = people.notifiable_recipients(
            post=post, candidates=[unkind.pk, *(member.pk for member in members)]
        )
    assert len(queries) == 1
    assert decided == {member.pk for member in members[3:]}


def _measure(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_pages_cost_the_same_queries_however_much_is_muted_blocked_or_hidden(
    make_thread: ThreadFactory, make_member: MemberFactory, reader: Member, category: Category
) -> None:
    thread = make_thread(author=reader)
    client = client_for(reader)

    def grow(count: int) -> None:
        for _ in range(count):
            other = make_thread()
            actions.mute_thread(member=reader, thread=other)
            actions.block_member(member=reader, post=other.posts.get())
            masked = actions.post_reply(
                author=make_member(), thread=thread, body="m", anonymous=True
            )
            actions.hide_anonymous_author(member=reader, post=masked)

    grow(1)
    paths = ["/", category.get_absolute_url(), thread.get_absolute_url(), "/settings/people/"]
    few = [_measure(client, path) for path in paths]
    grow(6)
    many = [_measure(client, path) for path in paths]
    assert few == many


@pytest.mark.parametrize("path", ["/", "/c/questions-support/"])
def test_lists_cost_no_extra_query_for_muting(
    make_thread: ThreadFactory, reader: Member, path: str, django_assert_num_queries: Any
) -> None:
    from tests.forum.test_reading import CATEGORY_QUERIES, HOME_QUERIES

    make_thread(title="Something to list")
    client = client_for(reader)
    expected = HOME_QUERIES["member"] if path == "/" else CATEGORY_QUERIES["member"]
    with django_assert_num_queries(expected):
        client.get(path)


def test_notifiable_recipients_for_an_act_on_a_post_follows_its_actor(
    make_thread: ThreadFactory, reader: Member, unkind: Member
) -> None:
    """How other kinds (a reaction) ask: the post's author is told unless they blocked
    the actor, and only when the act shows the actor's name."""
    post = make_thread(author=reader).posts.get()
    actions.block_member(member=reader, post=make_thread(author=unkind, title="Theirs").posts.get())
    named = people.notifiable_recipients(
        post=post, candidates=[reader.pk], actor_id=unkind.pk, actor_named=True
    )
    nameless = people.notifiable_recipients(
        post=post, candidates=[reader.pk], actor_id=unkind.pk, actor_named=False
    )
    assert named == set()
    assert nameless == {reader.pk}
    assert (
        people.notifiable_recipients(post=post, candidates=[unkind.pk], actor_id=unkind.pk) == set()
    )
