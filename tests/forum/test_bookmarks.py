"""Saving posts: the Save link and page, the Saved page (only posts the member may still
read; a removed or deleted one shows as such), privacy and the member's own data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from forum import actions, export
from forum.exceptions import ActionRefused
from forum.models import Bookmark, Member, Post, PostStatus, Thread
from tests.forum.test_anonymous import assert_unlinked
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]

# The session, the member, the COUNT for the pager, the saved posts, the aliases of the
# anonymous ones among them.
SAVED_PAGE_QUERIES = 5


@pytest.fixture
def saver(make_member: MemberFactory) -> Member:
    return make_member("SavingReader2")


@pytest.fixture
def thread(make_thread: Callable[..., Thread]) -> Thread:
    return make_thread(title="Words that helped me")


@pytest.fixture
def reply(thread: Thread, make_reply: Callable[..., Post]) -> Post:
    return make_reply(thread, body="Breathing out slowly made the difference.")


def test_every_post_carries_the_same_save_link(thread: Thread, reply: Post, saver: Member) -> None:
    for viewer in (saver, None):
        html = client_for(viewer).get(thread.get_absolute_url()).content.decode()
        assert f'href="{reverse("forum:save_post", args=[reply.pk])}"' in html


def test_save_and_unsave_through_the_save_page(reply: Post, saver: Member) -> None:
    client = client_for(saver)
    url = reverse("forum:save_post", args=[reply.pk])
    assert "Save this post?" in client.get(url).content.decode()
    assert client.post(url, {"saved": "1"}).status_code == 302
    assert Bookmark.objects.filter(member=saver, post=reply).exists()
    assert "You saved this post" in client.get(url).content.decode()
    client.post(url, {"saved": "0"})
    assert not Bookmark.objects.filter(member=saver).exists()


def test_saving_twice_keeps_one_bookmark(reply: Post, saver: Member) -> None:
    actions.save_post(member=saver, post=reply)
    actions.save_post(member=saver, post=reply)
    assert Bookmark.objects.filter(member=saver).count() == 1


def test_save_needs_a_member_and_csrf(reply: Post, saver: Member) -> None:
    url = reverse("forum:save_post", args=[reply.pk])
    assert client_for(None).post(url, {"saved": "1"}).status_code == 302
    strict = client_for(saver, enforce_csrf_checks=True)
    assert strict.post(url, {"saved": "1"}).status_code == 403
    assert not Bookmark.objects.exists()


def test_a_deleted_post_cannot_be_saved(reply: Post, saver: Member) -> None:
    actions.delete_post(member=Member.objects.get(pk=reply.author_id), post=reply)
    with pytest.raises(ActionRefused):
        actions.save_post(member=saver, post=reply)


def test_saved_page_lists_saved_posts_newest_first(
    thread: Thread, reply: Post, saver: Member, make_reply: Callable[..., Post]
) -> None:
    later = make_reply(thread, body="A second kind reply.")
    actions.save_post(member=saver, post=reply)
    actions.save_post(member=saver, post=later)
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert html.index("A second kind reply.") < html.index("Breathing out slowly")
    assert "Words that helped me" in html


def test_saved_page_is_the_members_own(
    reply: Post, saver: Member, make_member: MemberFactory
) -> None:
    actions.save_post(member=saver, post=reply)
    other = client_for(make_member()).get(reverse("forum:saved")).content.decode()
    assert "Breathing out slowly" not in other
    assert client_for(None).get(reverse("forum:saved")).status_code == 302


def test_saved_page_shows_a_deleted_post_as_deleted(reply: Post, saver: Member) -> None:
    actions.save_post(member=saver, post=reply)
    actions.delete_post(member=Member.objects.get(pk=reply.author_id), post=reply)
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert "This post was deleted by its author." in html
    assert "Breathing out slowly" not in html


def test_saved_page_shows_a_removed_post_as_removed(reply: Post, saver: Member) -> None:
    actions.save_post(member=saver, post=reply)
    Post.objects.filter(pk=reply.pk).update(status=PostStatus.REMOVED)
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert "Removed by a moderator" in html
    assert "Breathing out slowly" not in html


def test_saved_page_hides_the_words_of_a_thread_gone_from_view(
    thread: Thread, reply: Post, saver: Member
) -> None:
    actions.save_post(member=saver, post=reply)
    Thread.objects.filter(pk=thread.pk).update(status="removed")
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert "no longer shown" in html
    assert "Breathing out slowly" not in html
    assert "Words that helped me" not in html


def test_saved_anonymous_post_shows_the_alias_only(
    thread: Thread, saver: Member, make_member: MemberFactory
) -> None:
    writer = make_member("ShyWriter6")
    anonymous = actions.post_reply(author=writer, thread=thread, body="Quietly", anonymous=True)
    actions.save_post(member=saver, post=anonymous)
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert "Quietly" in html
    assert "Anonymous" in html
    assert_unlinked(html, writer)


def test_saved_page_with_a_content_warning_does_not_open_the_post(
    thread: Thread, saver: Member, make_member: MemberFactory
) -> None:
    warned = actions.post_reply(
        author=make_member(),
        thread=thread,
        body="Details of my examination",
        warnings=["medical_examination"],
    )
    actions.save_post(member=saver, post=warned)
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert "Content warning:" in html
    assert "Details of my examination" not in html


def test_saved_page_costs_the_same_queries_for_more_posts(
    thread: Thread, saver: Member, make_member: MemberFactory, django_assert_num_queries: Any
) -> None:
    client = client_for(saver)

    def save_some(count: int) -> None:
        for number in range(count):
            post = actions.post_reply(
                author=make_member(), thread=thread, body=f"Reply {number}", anonymous=True
            )
            actions.save_post(member=saver, post=post)

    save_some(2)
    with django_assert_num_queries(SAVED_PAGE_QUERIES):
        client.get(reverse("forum:saved"))
    save_some(6)
    with django_assert_num_queries(SAVED_PAGE_QUERIES):
        client.get(reverse("forum:saved"))


def test_bookmarks_go_with_the_account_and_appear_in_the_export(reply: Post, saver: Member) -> None:
    actions.save_post(member=saver, post=reply)
    assert [row["post_id"] for row in export.member_data(saver)["saved_posts"]] == [reply.pk]
    actions.delete_account(member=saver, keep_posts=False)
    assert not Bookmark.objects.exists()


def test_saved_post_of_an_account_deleted_with_its_posts_shows_as_deleted(
    reply: Post, saver: Member
) -> None:
    actions.save_post(member=saver, post=reply)
    actions.delete_account(member=Member.objects.get(pk=reply.author_id), keep_posts=False)
    html = client_for(saver).get(reverse("forum:saved")).content.decode()
    assert "This post was deleted by its author." in html


def test_a_post_gone_from_view_can_still_be_taken_off_saved(
    thread: Thread, reply: Post, saver: Member
) -> None:
    actions.save_post(member=saver, post=reply)
    Thread.objects.filter(pk=thread.pk).update(status="removed")
    client = client_for(saver)
    url = reverse("forum:save_post", args=[reply.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"saved": "1"}).status_code == 302
    assert client.post(url, {"saved": "0"}).status_code == 302
    assert not Bookmark.objects.exists()


def test_saved_in_thread_names_the_members_own_saved_posts_there(
    thread: Thread,
    reply: Post,
    saver: Member,
    make_member: MemberFactory,
    make_thread: Callable[..., Thread],
    django_assert_num_queries: Any,
) -> None:
    elsewhere = actions.post_reply(author=make_member(), thread=make_thread(), body="Elsewhere")
    actions.save_post(member=saver, post=reply)
    actions.save_post(member=saver, post=elsewhere)
    actions.save_post(member=make_member(), post=Post.objects.filter(thread=thread).first())
    url = reverse("forum:saved_in_thread", args=[thread.pk])
    client = client_for(saver)
    # The session, the member, the saved posts.
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.json() == {"post_ids": [reply.pk]}
    assert client_for(None).get(url).status_code == 403


def test_thread_page_hands_the_saved_marks_to_the_members_browser_only(
    thread: Thread, saver: Member
) -> None:
    url = reverse("forum:saved_in_thread", args=[thread.pk])
    assert url in client_for(saver).get(thread.get_absolute_url()).content.decode()
    assert url not in client_for(None).get(thread.get_absolute_url()).content.decode()
