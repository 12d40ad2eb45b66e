"""Perspective (issue 6, point 9): how a member's posts are framed, a label beside their
pseudonym; on an anonymous post only when ticked for that post, frozen as it was then."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum import actions, export, fragments
from forum.exceptions import ActionRefused
from forum.models import AnonymousPosting, Category, Member, Perspective, Post, Thread
from tests.forum.test_anonymous import assert_unlinked
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

MemberFactory = Callable[..., Member]
ThreadFactory = Callable[..., Thread]

LABEL = '<span class="post-perspective">'


@pytest.fixture
def partner(make_member: MemberFactory) -> Member:
    member = make_member("SupportivePartner")
    actions.set_perspective(member=member, perspective=Perspective.PARTNER)
    return member


@pytest.fixture
def partner_category(db: None) -> Category:
    return Category.objects.get(slug="partner-involvement")


def label_of(html: str, post: Post) -> str | None:
    """The perspective label on one post's fragment, or None when it has none."""
    fragment = html.split(f'id="post-{post.pk}"', 1)[1].split("</article>", 1)[0]
    if LABEL not in fragment:
        return None
    return fragment.split(LABEL, 1)[1].split("</span>", 1)[0]


def test_settings_sets_the_perspective_shown_on_named_posts(
    make_thread: ThreadFactory, member: Member, signed_in: Client
) -> None:
    thread = make_thread(author=member)
    post = thread.posts.get()
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert label_of(page, post) is None  # nothing by default, and cached so

    form = signed_in.get("/settings/people/").content.decode()
    assert "practitioner (not verified)" in form
    response = signed_in.post("/settings/people/perspective/", {"perspective": "partner"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.perspective == Perspective.PARTNER
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert label_of(page, post) == "partner"

    signed_in.post("/settings/people/perspective/", {"perspective": ""})
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert label_of(page, post) is None


def test_changing_the_perspective_forgets_the_cached_fragments(
    make_thread: ThreadFactory,
    member: Member,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    post = make_thread(author=member).posts.get()
    actions.post_reply(author=member, thread=post.thread, body="Masked", anonymous=True)
    forgotten: list[int] = []
    monkeypatch.setattr(fragments, "forget_post", forgotten.append)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_perspective(member=member, perspective=Perspective.PRACTITIONER)
    # The named post only: the anonymous one keeps its own label.
    assert forgotten == [post.pk]


def test_a_perspective_outside_the_list_is_refused(member: Member, signed_in: Client) -> None:
    response = signed_in.post("/settings/people/perspective/", {"perspective": "doctor"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ActionRefused):
        actions.set_perspective(member=member, perspective="doctor")
    member.refresh_from_db()
    assert member.perspective == ""
    assert (
        Client().post("/settings/people/perspective/", {"perspective": "partner"}).status_code
        == 302
    )


def test_an_anonymous_post_shows_the_label_only_when_ticked(
    make_thread: ThreadFactory, partner: Member
) -> None:
    thread = make_thread()
    plain = actions.post_reply(author=partner, thread=thread, body="Plain", anonymous=True)
    framed = actions.post_reply(
        author=partner, thread=thread, body="Framed", anonymous=True, show_perspective=True
    )
    named = actions.post_reply(author=partner, thread=thread, body="Named", show_perspective=True)
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert label_of(page, plain) is None
    assert label_of(page, framed) == "partner"
    assert label_of(page, named) == "partner"
    # Stored only on the anonymous post that asked for it.
    assert Post.objects.get(pk=framed.pk).perspective == Perspective.PARTNER
    assert Post.objects.get(pk=named.pk).perspective == ""
    assert_unlinked(page.split(f'id="post-{framed.pk}"', 1)[1].split("</article>")[0], partner)


def test_an_anonymous_label_stays_as_posted_when_the_perspective_changes(
    make_thread: ThreadFactory, partner: Member
) -> None:
    """Were it to follow the account, one change would flip the label on the member's
    named and anonymous posts together and link them."""
    thread = make_thread()
    framed = actions.post_reply(
        author=partner, thread=thread, body="Framed", anonymous=True, show_perspective=True
    )
    named = actions.post_reply(author=partner, thread=thread, body="Named")
    actions.set_perspective(member=partner, perspective=Perspective.LIVING_WITH_VAGINISMUS)
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert label_of(page, framed) == "partner"
    assert label_of(page, named) == "living with vaginismus"
    actions.set_perspective(member=partner, perspective="")
    page = Client().get(thread.get_absolute_url()).content.decode()
    assert label_of(page, framed) == "partner"
    assert label_of(page, named) is None


def test_ticking_without_a_perspective_shows_nothing(
    make_thread: ThreadFactory, member: Member
) -> None:
    thread = make_thread()
    post = actions.post_reply(
        author=member, thread=thread, body="Hi", anonymous=True, show_perspective=True
    )
    assert Post.objects.get(pk=post.pk).perspective == ""
    assert label_of(Client().get(thread.get_absolute_url()).content.decode(), post) is None


def test_reply_and_new_thread_forms_offer_the_box(
    make_thread: ThreadFactory, partner: Member, category: Category
) -> None:
    client = client_for(partner)
    thread = make_thread()
    assert 'name="show_perspective"' in client.get(thread.get_absolute_url()).content.decode()
    client.post(
        f"/t/{thread.pk}/reply/",
        {"body": "From the form", "anonymous": "on", "show_perspective": "on"},
    )
    assert Post.objects.get(body="From the form").perspective == Perspective.PARTNER
    client.post(
        "/new/",
        {
            "category": category.pk,
            "title": "Anonymous start",
            "body": "Opening words",
            "anonymous": "on",
            "show_perspective": "on",
        },
    )
    assert Post.objects.get(body="Opening words").perspective == Perspective.PARTNER


def test_where_anonymity_is_off_the_box_is_not_offered(
    make_thread: ThreadFactory, partner: Member, category: Category
) -> None:
    Category.objects.filter(pk=category.pk).update(anonymous_posting=AnonymousPosting.OFF)
    thread = make_thread()
    page = client_for(partner).get(thread.get_absolute_url()).content.decode()
    assert 'name="show_perspective"' not in page


# --- Partners find each other in "Partner involvement" --------------------------------------


def test_partner_involvement_lists_threads_partners_started(
    make_thread: ThreadFactory,
    make_member: MemberFactory,
    partner: Member,
    partner_category: Category,
) -> None:
    make_thread(author=partner, title="From a partner", in_category=partner_category)
    make_thread(author=make_member(), title="From someone else", in_category=partner_category)
    actions.start_thread(
        author=partner,
        category=partner_category,
        title="Anonymous partner",
        body="Hi",
        anonymous=True,
        show_perspective=True,
    )
    everything = Client().get(partner_category.get_absolute_url()).content.decode()
    assert "From someone else" in everything
    assert "/started-by-partners/" in everything
    filtered = Client().get(f"/c/{partner_category.slug}/started-by-partners/").content.decode()
    assert "From a partner" in filtered
    assert "From someone else" not in filtered
    # Named threads only: the account's perspective must not sort an alias.
    assert "Anonymous partner" not in filtered


def test_the_partner_filter_belongs_to_partner_involvement(category: Category) -> None:
    assert "/started-by-partners/" not in Client().get(category.get_absolute_url()).content.decode()
    assert Client().get(f"/c/{category.slug}/started-by-partners/").status_code == 404


def test_the_partner_filter_costs_the_same_queries_however_many_threads(
    make_member: MemberFactory, partner_category: Category
) -> None:
    path = f"/c/{partner_category.slug}/started-by-partners/"

    def add(count: int) -> None:
        for number in range(count):
            author = make_member()
            actions.set_perspective(member=author, perspective=Perspective.PARTNER)
            actions.start_thread(
                author=author, category=partner_category, title=f"T{number}", body="b"
            )

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(path).status_code == 200
        return len(queries)

    add(2)
    few = measure()
    add(8)
    assert measure() == few


def test_the_perspective_is_in_the_members_export(partner: Member) -> None:
    assert export.member_data(partner)["people"]["perspective"] == Perspective.PARTNER
