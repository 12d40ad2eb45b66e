"""Unread tracking: how far a member has read each thread, the "New replies" marks on
the home page and category lists, and the way in at the first unread reply."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions
from forum.models import Category, Member, Post, Thread, ThreadReadState, TrustLevel
from tests.conftest import PASSWORD
from tests.forum.test_reading import CATEGORY_QUERIES, HOME_QUERIES
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]
NEW = "New replies"


@pytest.fixture
def writer(make_member: MemberFactory) -> Member:
    return make_member("SteadyWren")


@pytest.fixture
def thread(writer: Member, category: Category) -> Thread:
    return actions.start_thread(
        author=writer, category=category, title="Small steps", body="Where I am now."
    )


def _row(html: str, thread: Thread) -> str:
    """The category list's row of one thread."""
    found = re.search(
        rf'<li class="thread-row[^"]*">\s*<h2 class="thread-row__title">(?:(?!</h2>).)*?'
        rf"(?:/t/{thread.pk}/)(?:(?!</li>).)*</li>",
        html,
        re.S,
    )
    assert found is not None, f"thread {thread.pk} is not listed"
    return found.group(0)


def _category_card(html: str, category: Category) -> str:
    found = re.search(
        rf'<li class="category-card">\s*<h3><a href="{category.get_absolute_url()}">.*?</h3>',
        html,
        re.S,
    )
    assert found is not None
    return found.group(0)


def test_a_thread_never_opened_is_not_marked(
    member: Member, thread: Thread, category: Category, make_reply: Callable[..., Post]
) -> None:
    make_reply(thread)
    listing = client_for(member).get(category.get_absolute_url()).content.decode()
    assert NEW not in _row(listing, thread)


def test_a_reply_since_the_last_visit_marks_the_thread_until_it_is_read(
    member: Member, thread: Thread, category: Category, make_reply: Callable[..., Post]
) -> None:
    client = client_for(member)
    client.get(thread.get_absolute_url())
    assert NEW not in _row(client.get(category.get_absolute_url()).content.decode(), thread)

    reply = make_reply(thread)
    row = _row(client.get(category.get_absolute_url()).content.decode(), thread)
    assert f'<a href="/t/{thread.pk}/unread/">Small steps</a>' in row
    assert f'<span class="badge badge--new">{NEW}</span>' in row

    opened = client.get(f"/t/{thread.pk}/unread/")
    assert opened["Location"] == f"/t/{thread.pk}/#post-{reply.pk}"
    client.get(opened["Location"])
    row = _row(client.get(category.get_absolute_url()).content.decode(), thread)
    assert NEW not in row
    assert f'<a href="/t/{thread.pk}/">Small steps</a>' in row


def test_the_home_page_marks_a_category_with_new_replies(
    member: Member, thread: Thread, category: Category, make_reply: Callable[..., Post]
) -> None:
    client = client_for(member)
    client.get(thread.get_absolute_url())
    other = Category.objects.get(slug="off-topic")
    assert NEW not in client.get("/").content.decode()

    make_reply(thread)
    home = client.get("/").content.decode()
    assert NEW in _category_card(home, category)
    assert NEW not in _category_card(home, other)


def test_a_muted_thread_marks_nothing_on_the_home_page(
    member: Member, thread: Thread, category: Category, make_reply: Callable[..., Post]
) -> None:
    client = client_for(member)
    client.get(thread.get_absolute_url())
    actions.mute_thread(member=member, thread=thread)

    make_reply(thread)

    assert NEW not in _category_card(client.get("/").content.decode(), category)


def test_the_first_unread_reply_may_be_on_a_later_page(
    member: Member, thread: Thread, make_member: MemberFactory
) -> None:
    others = make_member()
    for number in range(settings.POSTS_PER_PAGE + 3):
        actions.post_reply(author=others, thread=thread, body=f"Reply {number}")
    client = client_for(member)
    client.get(f"{thread.get_absolute_url()}?page=2")
    first_new = actions.post_reply(author=others, thread=thread, body="Fresh")
    actions.post_reply(author=others, thread=thread, body="Fresher")

    # Opening page 1 again reads nothing backwards: the new replies stay new.
    client.get(thread.get_absolute_url())
    response = client.get(f"/t/{thread.pk}/unread/")
    assert response["Location"] == f"/t/{thread.pk}/?page=2#post-{first_new.pk}"


def test_reading_an_earlier_page_leaves_the_later_pages_unread(
    member: Member, thread: Thread, make_member: MemberFactory
) -> None:
    others = make_member()
    replies = [
        actions.post_reply(author=others, thread=thread, body=f"Reply {number}")
        for number in range(settings.POSTS_PER_PAGE + 2)
    ]
    client = client_for(member)
    client.get(thread.get_absolute_url())
    # Page 1 holds the opening post and the first replies; the rest are new.
    first_on_page_two = replies[settings.POSTS_PER_PAGE - 1]
    response = client.get(f"/t/{thread.pk}/unread/")
    assert response["Location"] == f"/t/{thread.pk}/?page=2#post-{first_on_page_two.pk}"


def test_with_nothing_new_the_way_in_opens_at_the_latest_post(
    member: Member, thread: Thread, make_reply: Callable[..., Post]
) -> None:
    latest = make_reply(thread)
    client = client_for(member)
    client.get(thread.get_absolute_url())
    assert client.get(f"/t/{thread.pk}/unread/")["Location"] == (
        f"/t/{thread.pk}/#post-{latest.pk}"
    )


def test_a_thread_never_opened_starts_at_the_beginning(member: Member, thread: Thread) -> None:
    response = client_for(member).get(f"/t/{thread.pk}/unread/")
    assert response["Location"] == f"/t/{thread.pk}/"


def test_a_visitor_is_taken_to_the_thread_and_nothing_is_recorded(
    client: Client, thread: Thread, category: Category
) -> None:
    assert client.get(f"/t/{thread.pk}/unread/")["Location"] == f"/t/{thread.pk}/"
    client.get(thread.get_absolute_url())
    assert not ThreadReadState.objects.exists()
    assert NEW not in client.get(category.get_absolute_url()).content.decode()


def test_the_way_in_refuses_what_the_reader_may_not_see(
    client: Client, member: Member, make_member: MemberFactory, category: Category
) -> None:
    held = actions.start_thread(
        author=make_member(trust=TrustLevel.NEW), category=category, title="Wait", body="Hi"
    )
    assert client_for(member).get(f"/t/{held.pk}/unread/").status_code == 404
    assert client.get("/t/999999/unread/").status_code == 404


def test_the_members_own_reply_is_not_new_to_them(
    member: Member, thread: Thread, category: Category
) -> None:
    client = client_for(member)
    client.get(thread.get_absolute_url())
    posted = client.post(f"/t/{thread.pk}/reply/", {"body": "My own words."})
    assert posted.status_code == 302
    client.get(client.get(posted["Location"])["Location"])
    assert NEW not in _row(client.get(category.get_absolute_url()).content.decode(), thread)


def test_a_reply_approved_later_is_new_and_the_way_in_finds_it(
    member: Member, thread: Thread, make_member: MemberFactory, make_reply: Callable[..., Post]
) -> None:
    held = actions.post_reply(author=make_member(trust=TrustLevel.NEW), thread=thread, body="Hi")
    latest = make_reply(thread)
    client = client_for(member)
    client.get(thread.get_absolute_url())
    assert client.get(f"/t/{thread.pk}/unread/")["Location"].endswith(f"#post-{latest.pk}")

    # What a moderator's approval does (moderation.actions.approve_post).
    actions.publish_held_post(post=held)
    response = client.get(f"/t/{thread.pk}/unread/")
    assert response["Location"] == f"/t/{thread.pk}/#post-{held.pk}"


def test_mark_thread_read_never_moves_back(member: Member, thread: Thread) -> None:
    later = thread.last_posted_at
    earlier = later.replace(year=later.year - 1)
    actions.mark_thread_read(member=member, thread=thread, through=later)
    actions.mark_thread_read(member=member, thread=thread, through=earlier)
    assert ThreadReadState.objects.get(member=member, thread=thread).seen_at == later
    assert ThreadReadState.objects.count() == 1


def test_list_queries_do_not_grow_with_the_number_of_threads_read(
    member: Member, writer: Member, category: Category
) -> None:
    client = client_for(member)
    other = Category.objects.get(slug="off-topic")

    def grow(threads: int) -> None:
        for number in range(threads):
            started = actions.start_thread(
                author=writer,
                category=other if number % 3 == 0 else category,
                title=f"Thread {number}",
                body="Hello",
            )
            client.get(started.get_absolute_url())
            actions.post_reply(author=writer, thread=started, body="Later")

    def measure(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        assert NEW in response.content.decode()
        return len(queries)

    grow(2)
    few = (measure("/"), measure(category.get_absolute_url()))
    grow(30)
    many = (measure("/"), measure(category.get_absolute_url()))
    assert few == many == (HOME_QUERIES["member"], CATEGORY_QUERIES["member"])


def test_deleting_the_account_takes_its_read_states(member: Member, thread: Thread) -> None:
    client = client_for(member)
    client.get(thread.get_absolute_url())
    assert ThreadReadState.objects.filter(member=member).exists()
    response = client.post(reverse("forum:delete_account"), {"posts": "keep", "password": PASSWORD})
    assert response.status_code == 302
    assert not ThreadReadState.objects.filter(member_id=member.pk).exists()


# --- Replies that arrive live ----------------------------------------------------------------


def test_a_live_reply_shown_on_the_page_counts_as_read(
    member: Member, thread: Thread, category: Category, make_reply: Callable[..., Post]
) -> None:
    client = client_for(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'data-read-url="/t/{thread.pk}/read/"' in page
    first, second = make_reply(thread), make_reply(thread)

    response = client.post(f"/t/{thread.pk}/read/", {"through": first.pk})
    assert response.status_code == 204
    assert client.get(f"/t/{thread.pk}/unread/")["Location"].endswith(f"#post-{second.pk}")
    client.post(f"/t/{thread.pk}/read/", {"through": second.pk})
    assert NEW not in _row(client.get(category.get_absolute_url()).content.decode(), thread)


def test_marking_read_refuses_bad_input(
    client: Client, member: Member, thread: Thread, make_thread: Callable[..., Thread]
) -> None:
    elsewhere = make_thread().posts.get()
    signed_in = client_for(member)
    path = f"/t/{thread.pk}/read/"
    assert signed_in.post(path, {"through": "x"}).status_code == 400
    assert signed_in.post(path, {}).status_code == 400
    assert signed_in.post(path, {"through": elsewhere.pk}).status_code == 404
    assert signed_in.get(path).status_code == 405
    assert client.post(path, {"through": elsewhere.pk})["Location"].startswith("/login/")
    assert (
        client_for(member, enforce_csrf_checks=True).post(path, {"through": 1}).status_code == 403
    )
    assert not ThreadReadState.objects.exists()


def test_visitors_pages_offer_no_read_marking(client: Client, thread: Thread) -> None:
    assert "data-read-url" not in client.get(thread.get_absolute_url()).content.decode()
