"""Reading: the home page, category pages and thread pages, their order, pagination,
visibility, pinned query counts and the post fragment cache."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import actions, fragments
from forum.models import Category, Member, Post, Thread
from tests.helpers import client_for

PostFactory = Callable[..., Post]
ThreadFactory = Callable[..., Thread]
MemberFactory = Callable[..., Member]

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(make_member: MemberFactory) -> Member:
    return make_member("GentleOtter")


def _make_members_only(slug: str) -> Category:
    # Categories are edited in the admin; there is no action for it, so a raw update.
    Category.objects.filter(slug=slug).update(is_public=False)
    return Category.objects.get(slug=slug)


def _set_flags(thread: Thread, **flags: bool) -> None:
    # No action pins or locks a thread yet (that is moderation work), so a raw update.
    Thread.objects.filter(pk=thread.pk).update(**flags)


def _time_tag(value: datetime, *, focusable: bool = True) -> str:
    # A date outside a link takes focus itself, so the exact date shows on focus too.
    local = timezone.localtime(value)
    focus = 'tabindex="0" ' if focusable else ""
    return (
        f'<time {focus}datetime="{date_filter(local, "c")}" '
        f'title="{date_filter(local, "DATETIME_FORMAT")}">'
    )


def _html(response: Any) -> str:
    return response.content.decode()


def _thread_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'thread-row__title">.*?href="/t/(\d+)/"', html)]


def _post_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-post-id="(\d+)"', html)]


def _category_card(html: str, name: str) -> str:
    for card in html.split('<li class="category-card">')[1:]:
        if f">{name}</a>" in card:
            return card.split("</li>")[0]
    raise AssertionError(f"no card for {name!r}")


# --- Home --------------------------------------------------------------------------------


def test_home_lists_each_category_with_description_thread_count_and_latest_activity(
    client: Client,
    author: Member,
    category: Category,
    make_thread: ThreadFactory,
    make_reply: PostFactory,
) -> None:
    make_thread(author=author, title="First")
    busy = make_thread(author=author, title="Second")
    latest = make_reply(busy, author=author)

    html = _html(client.get("/"))

    card = _category_card(html, "Questions &amp; support")
    assert category.description in card
    assert "2 threads" in card
    assert _time_tag(latest.created_at) in card
    # Every starter category is listed, in position order.
    names = re.findall(r'<h3><a href="/c/[^"]+/">([^<]+)</a></h3>', html)
    assert names == [c.name.replace("&", "&amp;") for c in Category.objects.all()]


def test_home_shows_an_empty_category_with_no_threads_and_no_date(client: Client) -> None:
    card = _category_card(_html(client.get("/")), "Off-topic")

    assert "0 threads" in card
    assert "<time" not in card


def test_home_counts_one_thread_in_the_singular(
    client: Client, author: Member, make_thread: ThreadFactory
) -> None:
    make_thread(author=author)

    card = _category_card(_html(client.get("/")), "Questions &amp; support")

    assert "1 thread\n" in card or "1 thread " in card
    assert "1 threads" not in card


def test_home_hides_members_only_categories_from_visitors(
    client: Client, signed_in: Client
) -> None:
    private = _make_members_only("partner-involvement")

    assert private.name not in _html(client.get("/"))
    assert private.name in _html(signed_in.get("/"))


# --- Category ----------------------------------------------------------------------------


def test_category_lists_pinned_threads_first_then_by_latest_activity(
    client: Client, author: Member, make_thread: ThreadFactory, make_reply: PostFactory
) -> None:
    oldest = make_thread(author=author, title="Oldest")
    middle = make_thread(author=author, title="Middle")
    newest = make_thread(author=author, title="Newest")
    pinned = make_thread(author=author, title="Pinned and quiet")
    _set_flags(pinned, is_pinned=True)
    make_reply(oldest, author=author)  # a reply brings the oldest thread to the top

    html = _html(client.get("/c/questions-support/"))

    assert _thread_ids(html) == [pinned.pk, oldest.pk, newest.pk, middle.pk]
    rows = html.split('<li class="thread-row')[1:]
    assert rows[0].startswith(' thread-row--pinned">')
    assert '<span class="badge">Pinned</span>' in rows[0]
    assert all("Pinned" not in row for row in rows[1:])


def test_category_shows_each_threads_author_reply_count_and_latest_time(
    client: Client, author: Member, make_thread: ThreadFactory, make_reply: PostFactory
) -> None:
    thread = make_thread(author=author, title="Counting replies")
    make_reply(thread, author=author)
    last = make_reply(thread, author=author)
    lonely = make_thread(author=author, title="No replies yet")

    html = _html(client.get("/c/questions-support/"))

    rows = html.split('<li class="thread-row')[1:]
    counting = next(row for row in rows if "Counting replies" in row)
    assert "started by GentleOtter" in counting
    assert "2 replies" in counting
    assert _time_tag(last.created_at) in counting
    quiet = next(row for row in rows if "No replies yet" in row)
    assert "0 replies" in quiet
    assert _time_tag(lonely.last_posted_at) in quiet


def test_category_shows_twenty_five_threads_per_page(
    client: Client, author: Member, make_thread: ThreadFactory
) -> None:
    threads = [make_thread(author=author, title=f"Thread {n}") for n in range(27)]
    newest_first = [thread.pk for thread in reversed(threads)]

    first = _html(client.get("/c/questions-support/"))
    second = _html(client.get("/c/questions-support/?page=2"))

    assert _thread_ids(first) == newest_first[:25]
    assert _thread_ids(second) == newest_first[25:]
    assert "Page 1 of 2" in first
    assert 'rel="next" href="?page=2"' in first
    assert "Page 2 of 2" in second


@pytest.mark.parametrize("number", ["99", "abc", "-1", "0"])
def test_category_odd_page_numbers_show_a_page_instead_of_failing(
    client: Client, author: Member, make_thread: ThreadFactory, number: str
) -> None:
    make_thread(author=author, title="Only thread")

    response = client.get(f"/c/questions-support/?page={number}")

    assert response.status_code == 200
    assert "Only thread" in _html(response)


def test_category_members_only_sends_visitors_to_sign_in(
    client: Client, signed_in: Client, author: Member, make_thread: ThreadFactory
) -> None:
    private = _make_members_only("partner-involvement")
    thread = make_thread(author=author, title="Just for members", in_category=private)

    visitor = client.get("/c/partner-involvement/")
    thread_visit = client.get(f"/t/{thread.pk}/")
    member = signed_in.get("/c/partner-involvement/")

    assert visitor.status_code == 302
    assert visitor["Location"] == "/login/?next=/c/partner-involvement/"
    assert thread_visit.status_code == 302
    assert thread_visit["Location"] == f"/login/?next=/t/{thread.pk}/"
    assert "Just for members" in _html(member)


def test_category_public_is_readable_by_visitors(
    client: Client, author: Member, make_thread: ThreadFactory
) -> None:
    thread = make_thread(author=author, title="Open to all", body="Anyone may read this.")

    listing = client.get("/c/questions-support/")
    page = client.get(f"/t/{thread.pk}/")

    assert listing.status_code == 200
    assert "Open to all" in _html(listing)
    assert page.status_code == 200
    assert "Anyone may read this." in _html(page)


def test_category_unknown_slug_is_a_404_page_in_the_site_style(client: Client) -> None:
    response = client.get("/c/no-such-category/")

    assert response.status_code == 404
    html = _html(response)
    assert "find that page" in html
    assert 'class="site-header"' in html


# --- Thread ------------------------------------------------------------------------------


def test_thread_shows_the_opening_post_then_replies_in_order_with_pseudonym_and_date(
    client: Client,
    author: Member,
    member: Member,
    make_thread: ThreadFactory,
    make_reply: PostFactory,
) -> None:
    thread = make_thread(author=author, title="In order", body="The opening words.")
    first = make_reply(thread, author=member, body="A first reply.")
    second = make_reply(thread, author=author, body="A second reply.")
    opening = thread.posts.order_by("id").first()
    assert opening is not None

    html = _html(client.get(f"/t/{thread.pk}/"))

    assert _post_ids(html) == [opening.pk, first.pk, second.pk]
    assert html.index("The opening words.") < html.index("A first reply.")
    assert html.index("A first reply.") < html.index("A second reply.")
    assert '<span class="post-author">QuietHeron42</span>' in html
    assert html.count('<span class="post-author">GentleOtter</span>') == 2
    for post in (opening, first, second):
        # The exact date is the title (hover/focus); the datetime lets the script show it
        # relative; the link around it makes it focusable.
        in_link = _time_tag(post.created_at, focusable=False)
        assert f'<a class="post-time" href="/p/{post.pk}/">{in_link}' in html
    assert '<script src="/static/js/site.js" defer></script>' in html


def test_thread_shows_thirty_posts_per_page(
    client: Client, author: Member, make_thread: ThreadFactory, make_reply: PostFactory
) -> None:
    thread = make_thread(author=author)
    replies = [make_reply(thread, author=author, body=f"Reply {n}") for n in range(31)]
    all_ids = [post.pk for post in Post.objects.filter(thread=thread).order_by("id")]

    first = _html(client.get(f"/t/{thread.pk}/"))
    second = _html(client.get(f"/t/{thread.pk}/?page=2"))

    assert len(all_ids) == 32
    assert _post_ids(first) == all_ids[:30]
    assert _post_ids(second) == all_ids[30:]
    assert _post_ids(second)[-1] == replies[-1].pk
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second


def test_thread_post_permalink_leads_to_the_page_and_anchor_of_the_post(
    client: Client, author: Member, make_thread: ThreadFactory, make_reply: PostFactory
) -> None:
    thread = make_thread(author=author)
    replies = [make_reply(thread, author=author, body=f"Reply {n}") for n in range(30)]

    on_first = client.get(f"/p/{replies[0].pk}/")
    on_second = client.get(f"/p/{replies[-1].pk}/")

    assert on_first["Location"] == f"/t/{thread.pk}/#post-{replies[0].pk}"
    assert on_second["Location"] == f"/t/{thread.pk}/?page=2#post-{replies[-1].pk}"


def test_thread_visitors_see_a_sign_in_prompt_instead_of_a_reply_form(
    client: Client, signed_in: Client, author: Member, make_thread: ThreadFactory
) -> None:
    thread = make_thread(author=author)

    visitor = _html(client.get(f"/t/{thread.pk}/"))
    member = _html(signed_in.get(f"/t/{thread.pk}/"))

    assert "<textarea" not in visitor
    assert f'href="/login/?next=/t/{thread.pk}/"' in visitor
    assert f'action="/t/{thread.pk}/reply/"' in member
    assert "<textarea" in member


def test_thread_locked_shows_a_notice_and_no_reply_form(
    signed_in: Client, author: Member, make_thread: ThreadFactory
) -> None:
    thread = make_thread(author=author)
    _set_flags(thread, is_locked=True)

    html = _html(signed_in.get(f"/t/{thread.pk}/"))

    assert "This thread is locked, so it takes no new replies." in html
    assert "<textarea" not in html


@pytest.mark.parametrize("path", ["/t/987654/", "/p/987654/", "/t/987654/?page=2"])
def test_thread_unknown_id_is_a_404_page_in_the_site_style(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert "find that page" in _html(response)


def test_thread_huge_id_is_a_404_not_a_server_error(client: Client) -> None:
    response = client.get("/t/99999999999999999999999999/")

    assert response.status_code == 404


# --- Query counts ------------------------------------------------------------------------

# Pinned numbers of SQL queries per page. Signed in adds two: the session and the member.
HOME_QUERIES = {"visitor": 1, "member": 3}
CATEGORY_QUERIES = {"visitor": 3, "member": 5}  # category, COUNT for the pager, threads
# Thread with its category, the page's posts, the page's reaction counts; for a member
# also the session, the member, their own posts waiting for approval (the "waiting for
# approval" box), whom they blocked and which anonymous authors they hid here, and the
# one upsert that records how far they have read.
THREAD_QUERIES = {"visitor": 3, "member": 9}
# The ceiling, with the one permission query a page with someone else's edited post adds.
THREAD_QUERY_TARGET = 10


class Forum:
    """A forum that can grow: threads across two categories, one busy thread."""

    def __init__(
        self,
        make_member: MemberFactory,
        make_thread: ThreadFactory,
        viewer: Member,
    ) -> None:
        self.writers = [make_member("SteadyWren"), make_member("PatientFern")]
        self.viewer = viewer
        self.make_thread = make_thread
        self.busy = make_thread(author=self.writers[0], title="The busy thread")
        self.other = Category.objects.get(slug="off-topic")
        self.threads = 1
        self.replies = 0
        # The viewer's own post on the page: it carries edit and delete links.
        own = actions.post_reply(author=viewer, thread=self.busy, body="Mine.")
        actions.edit_post(editor=viewer, post=own, body="Mine, edited.")
        self.replies += 1

    def grow(self, *, threads: int, replies: int) -> None:
        for n in range(threads - self.threads):
            self.make_thread(
                author=self.writers[n % 2],
                title=f"Thread {n}",
                in_category=self.other if n % 3 == 0 else None,
            )
        for n in range(replies - self.replies):
            actions.post_reply(author=self.writers[n % 2], thread=self.busy, body=f"Reply **{n}**")
        self.threads, self.replies = threads, replies


@pytest.fixture
def forum(make_member: MemberFactory, make_thread: ThreadFactory, member: Member) -> Forum:
    return Forum(make_member, make_thread, member)


def _measure(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_home_query_count_is_pinned_whatever_the_number_of_threads(
    forum: Forum, member: Member, who: str, django_assert_num_queries: Any
) -> None:
    client = client_for(member if who == "member" else None)
    forum.grow(threads=2, replies=2)
    with django_assert_num_queries(HOME_QUERIES[who]):
        client.get("/")

    forum.grow(threads=40, replies=45)
    with django_assert_num_queries(HOME_QUERIES[who]):
        client.get("/")


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_category_query_count_is_pinned_whatever_the_number_of_threads(
    forum: Forum, member: Member, who: str, django_assert_num_queries: Any
) -> None:
    client = client_for(member if who == "member" else None)
    forum.grow(threads=2, replies=2)
    with django_assert_num_queries(CATEGORY_QUERIES[who]):
        client.get("/c/questions-support/")

    forum.grow(threads=40, replies=45)
    with django_assert_num_queries(CATEGORY_QUERIES[who]):
        client.get("/c/questions-support/")
    with django_assert_num_queries(CATEGORY_QUERIES[who]):
        client.get("/c/questions-support/?page=2")


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_thread_query_count_is_pinned_whatever_the_number_of_replies(
    forum: Forum, member: Member, who: str, django_assert_num_queries: Any
) -> None:
    client = client_for(member if who == "member" else None)
    path = f"/t/{forum.busy.pk}/"
    forum.grow(threads=2, replies=2)
    with django_assert_num_queries(THREAD_QUERIES[who]):
        client.get(path)

    forum.grow(threads=40, replies=45)
    cache_cold = _measure(client, path)
    cache_warm = _measure(client, path)
    second_page = _measure(client, f"{path}?page=2")

    assert cache_cold == cache_warm == second_page == THREAD_QUERIES[who]
    assert THREAD_QUERIES[who] <= THREAD_QUERY_TARGET


def test_thread_query_count_stays_pinned_when_other_members_edited_their_posts(
    forum: Forum, member: Member
) -> None:
    # A member reading a page that holds someone else's edited post: whether to offer
    # "Earlier versions" costs one permission query per page, however many such posts.
    forum.grow(threads=2, replies=2)
    client = client_for(member)
    counts = []
    for edits in (1, 3):
        for _ in range(edits):
            others = actions.post_reply(author=forum.writers[0], thread=forum.busy, body="Before.")
            actions.edit_post(editor=forum.writers[0], post=others, body="After.")
        counts.append(_measure(client, f"/t/{forum.busy.pk}/"))

    assert counts == [THREAD_QUERIES["member"] + 1] * 2
    assert max(counts) <= THREAD_QUERY_TARGET


@pytest.mark.parametrize("where", ["home", "category", "thread", "thread page 2", "permalink"])
def test_reading_pages_make_no_database_write_for_a_visitor(
    client: Client, forum: Forum, where: str
) -> None:
    forum.grow(threads=3, replies=35)
    last = Post.objects.filter(thread=forum.busy).latest("id")
    path = {
        "home": "/",
        "category": "/c/questions-support/",
        "thread": f"/t/{forum.busy.pk}/",
        "thread page 2": f"/t/{forum.busy.pk}/?page=2",
        "permalink": f"/p/{last.pk}/",
    }[where]

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code in {200, 302}
    assert len(queries) > 0  # the capture saw the page's reads
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))
    ]
    assert writes == []
    assert "sessionid" not in response.cookies


# --- The post fragment cache -------------------------------------------------------------


@pytest.fixture
def render_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts how many posts are rendered from the template rather than the cache."""
    rendered: list[int] = []
    real = fragments.render_post

    def counting(post: Post) -> str:
        rendered.append(post.pk)
        return real(post)

    monkeypatch.setattr(fragments, "render_post", counting)
    return rendered


def test_thread_page_renders_each_post_once_then_serves_it_from_the_cache(
    client: Client,
    author: Member,
    make_thread: ThreadFactory,
    make_reply: PostFactory,
    render_count: list[int],
) -> None:
    thread = make_thread(author=author)
    for n in range(3):
        make_reply(thread, author=author, body=f"Reply {n}")

    first = _html(client.get(f"/t/{thread.pk}/"))
    rendered_first = len(render_count)
    second = _html(client.get(f"/t/{thread.pk}/"))

    assert rendered_first == 4
    assert len(render_count) == 4  # nothing rendered again
    assert _post_ids(first) == _post_ids(second)
    assert "Reply 2" in second


def test_thread_page_shows_an_edited_post_at_once_and_marks_it_edited(
    client: Client,
    author: Member,
    make_thread: ThreadFactory,
    make_reply: PostFactory,
    render_count: list[int],
) -> None:
    thread = make_thread(author=author)
    reply = make_reply(thread, author=author, body="The first wording.")
    client.get(f"/t/{thread.pk}/")
    render_count.clear()

    actions.edit_post(editor=author, post=reply, body="The better wording.")
    html = _html(client.get(f"/t/{thread.pk}/"))

    assert render_count == [reply.pk]  # only the changed post missed the cache
    assert "The better wording." in html
    assert "The first wording." not in html
    assert '<span class="post-edited">edited</span>' in html


def test_thread_page_shows_a_renamed_authors_new_pseudonym_at_once(
    client: Client, author: Member, make_thread: ThreadFactory
) -> None:
    thread = make_thread(author=author)
    client.get(f"/t/{thread.pk}/")

    actions.rename_member(member=author, pseudonym="BraveHeron")
    html = _html(client.get(f"/t/{thread.pk}/"))

    assert '<span class="post-author">BraveHeron</span>' in html
    assert "GentleOtter" not in html


def test_thread_page_shows_a_deleted_post_as_a_tombstone_at_once(
    client: Client, author: Member, make_thread: ThreadFactory, make_reply: PostFactory
) -> None:
    thread = make_thread(author=author)
    reply = make_reply(thread, author=author, body="Words I regret.")
    client.get(f"/t/{thread.pk}/")

    actions.delete_post(member=author, post=reply)
    html = _html(client.get(f"/t/{thread.pk}/"))

    assert "Words I regret." not in html
    assert "This post was deleted by its author." in html


def test_thread_page_cached_fragments_carry_no_viewers_controls(
    client: Client,
    signed_in: Client,
    author: Member,
    make_thread: ThreadFactory,
    make_reply: PostFactory,
    member: Member,
) -> None:
    thread = make_thread(author=author)
    mine = make_reply(thread, author=member, body="My reply.")
    signed_in.get(f"/t/{thread.pk}/")  # the author of `mine` fills the cache first

    visitor = _html(client.get(f"/t/{thread.pk}/"))
    owner = _html(signed_in.get(f"/t/{thread.pk}/"))

    assert f"/p/{mine.pk}/edit/" not in visitor
    assert f"/p/{mine.pk}/delete/" not in visitor
    assert f"/p/{mine.pk}/edit/" in owner
    assert f"/p/{mine.pk}/delete/" in owner


def test_thread_page_keeps_working_when_the_cache_is_down(
    client: Client,
    author: Member,
    make_thread: ThreadFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    thread = make_thread(author=author, body="Still readable.")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(fragments.cache, "get_many", broken)
    monkeypatch.setattr(fragments.cache, "set_many", broken)
    response = client.get(f"/t/{thread.pk}/")

    assert response.status_code == 200
    assert "Still readable." in _html(response)


def test_settings_page_sizes_match_the_issue() -> None:
    # The pagination tests above count on these sizes.
    assert settings.THREADS_PER_PAGE == 25
    assert settings.POSTS_PER_PAGE == 30
