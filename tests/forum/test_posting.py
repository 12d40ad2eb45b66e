"""Writing: starting threads, replying, quoting, previewing, editing, deleting, sending a
form twice, bad input and the error pages a member can meet on the way."""

from __future__ import annotations

import datetime
import re
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.utils.html import escape

from forum import actions, ratelimits
from forum.markup import render_markdown
from forum.models import Category, Member, Notification, Post, PostRevision, Thread
from tests.helpers import client_for, field_error

ThreadFactory = Callable[..., Thread]
PostFactory = Callable[..., Post]
MemberFactory = Callable[..., Member]

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(make_member: MemberFactory) -> Member:
    return make_member("GentleOtter")


@pytest.fixture
def thread(make_thread: ThreadFactory, author: Member) -> Thread:
    return make_thread(author=author, title="How did you start?", body="Tell me everything.")


def _html(response: Any) -> str:
    return response.content.decode()


def _opening_post(thread: Thread) -> Post:
    post = thread.posts.order_by("id").first()
    assert post is not None
    return post


def _post_body_html(html: str) -> list[str]:
    return re.findall(r'<div class="post-body">(.*?)</div>', html, flags=re.S)


def _new_thread_data(category: Category, **overrides: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": category.pk,
        "title": "Small steps",
        "body": "Today I *tried* again.",
    }
    data.update(overrides)
    return data


def _set_locked(thread: Thread) -> None:
    # No action locks a thread yet (that is moderation work), so a raw update.
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)


# --- Starting a thread -------------------------------------------------------------------


def test_new_thread_creates_the_thread_and_its_opening_post(
    signed_in: Client, member: Member, category: Category
) -> None:
    response = signed_in.post("/new/", _new_thread_data(category))

    started = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{started.pk}/"
    assert (started.title, started.category, started.author) == ("Small steps", category, member)
    opening = _opening_post(started)
    assert opening.body == "Today I *tried* again."
    assert opening.html == "<p>Today I <em>tried</em> again.</p>"
    page = _html(signed_in.get(response["Location"]))
    assert "<h1>Small steps</h1>" in page
    assert "<p>Today I <em>tried</em> again.</p>" in page


def test_new_thread_form_preselects_the_category_it_was_opened_from(signed_in: Client) -> None:
    html = _html(signed_in.get("/new/?category=off-topic"))

    off_topic = Category.objects.get(slug="off-topic")
    assert f'<option value="{off_topic.pk}" selected>Off-topic</option>' in html


def test_new_thread_trims_the_title(signed_in: Client, category: Category) -> None:
    signed_in.post("/new/", _new_thread_data(category, title="   Breathing room   "))

    assert Thread.objects.get().title == "Breathing room"


@pytest.mark.parametrize("method", ["get", "post"])
def test_new_thread_sends_visitors_to_sign_in(
    client: Client, category: Category, method: str
) -> None:
    response = getattr(client, method)("/new/", _new_thread_data(category))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/new/")
    assert not Thread.objects.exists()


# --- Replying ----------------------------------------------------------------------------


def test_reply_adds_a_post_bumps_the_thread_and_leads_to_the_post(
    signed_in: Client, member: Member, thread: Thread
) -> None:
    before = Thread.objects.get(pk=thread.pk).last_posted_at

    response = signed_in.post(f"/t/{thread.pk}/reply/", {"body": "Me too, slowly."})

    posted = Post.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/p/{posted.pk}/"
    assert (posted.thread_id, posted.author, posted.body) == (thread.pk, member, "Me too, slowly.")
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.last_posted_at == posted.created_at
    assert thread.last_posted_at > before
    page = signed_in.get(response["Location"], follow=True)
    assert "Me too, slowly." in _html(page)


def test_reply_sends_visitors_to_sign_in(client: Client, thread: Thread) -> None:
    response = client.post(f"/t/{thread.pk}/reply/", {"body": "Anonymous words."})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert Post.objects.filter(thread=thread).count() == 1


def test_reply_to_a_locked_thread_is_refused_with_a_message_and_keeps_the_text(
    signed_in: Client, thread: Thread
) -> None:
    _set_locked(thread)

    response = signed_in.post(f"/t/{thread.pk}/reply/", {"body": "My carefully typed reply."})

    assert response.status_code == 200
    html = _html(response)
    assert "This thread is locked, so it takes no new replies." in html
    assert "My carefully typed reply." in html
    assert Post.objects.filter(thread=thread).count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_reply_action_refuses_a_locked_thread(member: Member, thread: Thread) -> None:
    _set_locked(thread)

    with pytest.raises(actions.ActionRefused):
        actions.post_reply(author=member, thread=thread, body="Too late.")

    assert Post.objects.filter(thread=thread).count() == 1


# --- Quoting -----------------------------------------------------------------------------


def test_quote_prefills_the_reply_with_a_block_quote_of_the_post(
    signed_in: Client, author: Member, thread: Thread, make_reply: PostFactory
) -> None:
    quoted = make_reply(thread, author=author, body="First line.\n\nSecond *line*.")

    response = signed_in.get(f"/t/{thread.pk}/reply/?quote={quoted.pk}")

    expected = "> **GentleOtter wrote:**\n>\n> First line.\n>\n> Second *line*.\n\n"
    assert response.status_code == 200
    assert response.context["form"]["body"].value() == expected
    assert escape(expected) in _html(response)


def test_quote_link_on_each_post_points_at_the_reply_form(client: Client, thread: Thread) -> None:
    opening = _opening_post(thread)

    html = _html(client.get(f"/t/{thread.pk}/"))

    assert f'href="/t/{thread.pk}/reply/?quote={opening.pk}">Quote</a>' in html


def test_quote_posted_as_is_renders_as_a_block_quote(signed_in: Client, thread: Thread) -> None:
    opening = _opening_post(thread)
    prefilled = signed_in.get(f"/t/{thread.pk}/reply/?quote={opening.pk}")
    body = prefilled.context["form"]["body"].value() + "Thank you."

    signed_in.post(f"/t/{thread.pk}/reply/", {"body": body})

    assert Post.objects.latest("id").html == (
        "<blockquote>\n<p><strong>GentleOtter wrote:</strong></p>\n"
        "<p>Tell me everything.</p>\n</blockquote>\n<p>Thank you.</p>"
    )


def test_quote_of_a_post_from_another_thread_leaves_the_reply_empty(
    signed_in: Client, author: Member, thread: Thread, make_thread: ThreadFactory
) -> None:
    elsewhere = _opening_post(make_thread(author=author, body="Somewhere else."))

    response = signed_in.get(f"/t/{thread.pk}/reply/?quote={elsewhere.pk}")

    assert response.status_code == 200
    assert not response.context["form"]["body"].value()
    assert "Somewhere else." not in _html(response)


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "", "0", "99999999999999999999999999", "²", "١"]
)
def test_quote_with_an_odd_value_shows_an_empty_reply_form_not_an_error(
    member: Member, thread: Thread, value: str
) -> None:
    client = client_for(member, raise_request_exception=False)

    response = client.get(f"/t/{thread.pk}/reply/", {"quote": value})

    assert response.status_code == 200
    assert "<textarea" in _html(response)


# --- Preview -----------------------------------------------------------------------------


def test_new_thread_preview_shows_the_rendered_post_and_saves_nothing(
    signed_in: Client, category: Category
) -> None:
    data = _new_thread_data(category, body="# Hello\n\nSee https://example.com", preview="1")

    response = signed_in.post("/new/", data)

    assert response.status_code == 200
    html = _html(response)
    assert "Preview: this is exactly how it will look" in html
    assert '<p class="preview-title">Small steps</p>' in html
    assert _post_body_html(html) == [render_markdown(data["body"])]
    assert escape(data["body"]) in html  # the form still holds the text
    assert 'value="Small steps"' in html
    assert not Thread.objects.exists()
    assert not Post.objects.exists()


def test_new_thread_preview_is_exactly_what_gets_published(
    signed_in: Client, category: Category
) -> None:
    body = (
        "## My week\n\n- *one*\n- **two**\n\n> held\n\n`code` and www.example.org\n\n"
        "![a photo](https://images.example/p.png) <b>not bold</b>"
    )
    form = _html(signed_in.get("/new/"))
    sent = re.search(r'name="submission_token" value="([^"]+)"', form)
    assert sent is not None
    previewed = _html(
        signed_in.post(
            "/new/",
            _new_thread_data(category, body=body, preview="1", submission_token=sent.group(1)),
        )
    )
    token = re.search(r'name="submission_token" value="([^"]+)"', previewed)
    assert token is not None
    assert token.group(1) == sent.group(1)  # the preview keeps the form's one-time token

    published = signed_in.post(
        "/new/", _new_thread_data(category, body=body, submission_token=token.group(1))
    )
    page = _html(signed_in.get(published["Location"]))

    assert _post_body_html(previewed) == _post_body_html(page)
    assert len(_post_body_html(page)) == 1


def test_reply_preview_shows_the_rendered_reply_and_saves_nothing(
    signed_in: Client, thread: Thread
) -> None:
    response = signed_in.post(
        f"/t/{thread.pk}/reply/", {"body": "**Proud** of you", "preview": "1"}
    )

    assert response.status_code == 200
    assert _post_body_html(_html(response)) == ["<p><strong>Proud</strong> of you</p>"]
    assert Post.objects.filter(thread=thread).count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_edit_preview_shows_the_new_text_and_changes_nothing(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="Original words.")

    response = signed_in.post(f"/p/{mine.pk}/edit/", {"body": "*Better* words.", "preview": "1"})

    assert response.status_code == 200
    assert _post_body_html(_html(response)) == ["<p><em>Better</em> words.</p>"]
    mine.refresh_from_db()
    assert mine.body == "Original words."
    assert mine.edited_at is None
    assert not PostRevision.objects.exists()


def test_preview_of_invalid_input_shows_the_error_and_no_preview(
    signed_in: Client, category: Category
) -> None:
    response = signed_in.post("/new/", _new_thread_data(category, body="   ", preview="1"))

    html = _html(response)
    assert response.status_code == 200
    assert "Preview: this is exactly" not in html
    assert field_error(html, "body") == "Please write something first."


# --- Editing and earlier versions --------------------------------------------------------


def test_edit_post_replaces_the_text_and_marks_it_edited(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="I was nervous.")
    form = _html(signed_in.get(f"/p/{mine.pk}/edit/"))
    assert "I was nervous.</textarea>" in form

    response = signed_in.post(f"/p/{mine.pk}/edit/", {"body": "I was *very* nervous."})

    assert response.status_code == 302
    assert response["Location"] == f"/p/{mine.pk}/"
    mine.refresh_from_db()
    assert mine.body == "I was *very* nervous."
    assert mine.html == "<p>I was <em>very</em> nervous.</p>"
    assert mine.edited_at is not None
    assert PostRevision.objects.get(post=mine).body == "I was nervous."
    page = _html(signed_in.get(f"/t/{thread.pk}/"))
    assert "<p>I was <em>very</em> nervous.</p>" in page
    assert "I was nervous." not in page
    assert '<span class="post-edited">edited</span>' in page


def test_edit_post_with_the_same_text_is_not_marked_edited(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="Unchanged.")

    signed_in.post(f"/p/{mine.pk}/edit/", {"body": "Unchanged."})

    mine.refresh_from_db()
    assert mine.edited_at is None
    assert not PostRevision.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_edit_post_by_another_member_is_refused_with_a_403_page(
    signed_in: Client, thread: Thread, method: str
) -> None:
    theirs = _opening_post(thread)

    response = getattr(signed_in, method)(f"/p/{theirs.pk}/edit/", {"body": "Hijacked."})

    assert response.status_code == 403
    assert "This isn" in _html(response)
    assert 'class="site-header"' in _html(response)
    theirs.refresh_from_db()
    assert theirs.body == "Tell me everything."


def test_edit_post_with_bad_input_keeps_what_was_typed(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="Fine text.")

    response = signed_in.post(f"/p/{mine.pk}/edit/", {"body": "New text with a bell\x07."})

    html = _html(response)
    assert response.status_code == 200
    assert "invisible control characters" in field_error(html, "body")
    assert "New text with a bell\x07." in html
    mine.refresh_from_db()
    assert mine.body == "Fine text."


@pytest.fixture
def edited(author: Member, thread: Thread) -> Post:
    post = _opening_post(thread)
    return actions.edit_post(editor=author, post=post, body="Second thoughts.")


@pytest.fixture
def moderator(make_member: MemberFactory) -> Member:
    reader = make_member("CarefulReader")
    # Granting a permission is admin work with no action of its own: a raw ORM add.
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="forum", codename="view_postrevision")
    )
    return reader


def test_post_history_shows_earlier_versions_to_the_author(author: Member, edited: Post) -> None:
    response = client_for(author).get(f"/p/{edited.pk}/history/")

    assert response.status_code == 200
    html = _html(response)
    assert "<p>Tell me everything.</p>" in html
    assert "<p>Second thoughts.</p>" in html


def test_post_history_shows_earlier_versions_to_a_member_with_the_permission(
    moderator: Member, edited: Post
) -> None:
    response = client_for(moderator).get(f"/p/{edited.pk}/history/")

    assert response.status_code == 200
    assert "<p>Tell me everything.</p>" in _html(response)


def test_post_history_is_refused_to_other_members(signed_in: Client, edited: Post) -> None:
    response = signed_in.get(f"/p/{edited.pk}/history/")

    assert response.status_code == 403
    assert "Tell me everything." not in _html(response)


def test_post_history_sends_visitors_to_sign_in(client: Client, edited: Post) -> None:
    response = client.get(f"/p/{edited.pk}/history/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_thread_page_offers_earlier_versions_only_to_the_author_and_moderators(
    client: Client, signed_in: Client, author: Member, moderator: Member, edited: Post
) -> None:
    link = f'href="/p/{edited.pk}/history/"'
    path = f"/t/{edited.thread_id}/"

    assert link in _html(client_for(author).get(path))
    assert link in _html(client_for(moderator).get(path))
    assert link not in _html(signed_in.get(path))
    assert link not in _html(client.get(path))


# --- Deleting ----------------------------------------------------------------------------


def test_delete_post_asks_first_and_changes_nothing_on_get(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="Still here.")

    response = signed_in.get(f"/p/{mine.pk}/delete/")

    assert response.status_code == 200
    assert "Delete your post?" in _html(response)
    mine.refresh_from_db()
    assert not mine.is_deleted


def test_delete_post_leaves_a_tombstone_and_keeps_the_replies(
    author: Member,
    member: Member,
    thread: Thread,
    make_reply: PostFactory,
) -> None:
    opening = _opening_post(thread)
    reply = make_reply(thread, author=member, body="A reply that stays.")
    client = client_for(author)

    response = client.post(f"/p/{opening.pk}/delete/")

    assert response.status_code == 302
    assert response["Location"] == f"/p/{opening.pk}/"
    page = _html(client.get(f"/t/{thread.pk}/"))
    assert "This post was deleted by its author." in page
    assert "Tell me everything." not in page
    assert "A reply that stays." in page
    assert Post.objects.filter(pk=reply.pk).exists()
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_delete_post_erases_its_text_and_earlier_versions(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="Too personal.")
    actions.edit_post(editor=member, post=mine, body="Still too personal.")

    signed_in.post(f"/p/{mine.pk}/delete/")

    mine.refresh_from_db()
    assert mine.is_deleted
    assert (mine.body, mine.html) == ("", "")
    assert not PostRevision.objects.filter(post=mine).exists()
    page = _html(signed_in.get(f"/t/{thread.pk}/"))
    assert "personal" not in page
    assert f"/p/{mine.pk}/edit/" not in page


def test_delete_post_by_another_member_is_refused_with_a_403_page(
    signed_in: Client, thread: Thread
) -> None:
    theirs = _opening_post(thread)

    response = signed_in.post(f"/p/{theirs.pk}/delete/")

    assert response.status_code == 403
    theirs.refresh_from_db()
    assert not theirs.is_deleted


def test_deleted_post_can_no_longer_be_edited_or_deleted(
    member: Member, signed_in: Client, thread: Thread, make_reply: PostFactory
) -> None:
    mine = make_reply(thread, author=member, body="Going away.")
    actions.delete_post(member=member, post=mine)

    assert signed_in.get(f"/p/{mine.pk}/edit/").status_code == 404
    assert signed_in.post(f"/p/{mine.pk}/edit/", {"body": "Back!"}).status_code == 404
    assert signed_in.post(f"/p/{mine.pk}/delete/").status_code == 404


# --- Sending a form twice ----------------------------------------------------------------


def test_new_thread_sent_twice_with_the_same_token_makes_one_thread(
    signed_in: Client, category: Category
) -> None:
    form = _html(signed_in.get("/new/"))
    token = re.search(r'name="submission_token" value="([^"]+)"', form)
    assert token is not None
    data = _new_thread_data(category, submission_token=token.group(1))

    first = signed_in.post("/new/", data)
    second = signed_in.post("/new/", data)

    assert Thread.objects.count() == 1
    assert Post.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/t/{Thread.objects.get().pk}/"


def test_reply_sent_twice_with_the_same_token_makes_one_post(
    signed_in: Client, thread: Thread
) -> None:
    form = _html(signed_in.get(f"/t/{thread.pk}/"))
    token = re.search(r'name="submission_token" value="([^"]+)"', form)
    assert token is not None
    data = {"body": "Only once, please.", "submission_token": token.group(1)}

    first = signed_in.post(f"/t/{thread.pk}/reply/", data)
    second = signed_in.post(f"/t/{thread.pk}/reply/", data)

    assert Post.objects.filter(thread=thread, body="Only once, please.").count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert first["Location"] == second["Location"]


def test_reply_forms_without_a_token_still_post(signed_in: Client, thread: Thread) -> None:
    signed_in.post(f"/t/{thread.pk}/reply/", {"body": "From an old page."})
    signed_in.post(f"/t/{thread.pk}/reply/", {"body": "From an old page, again."})

    assert Post.objects.filter(thread=thread).count() == 3


def test_every_form_page_carries_a_fresh_token(signed_in: Client) -> None:
    tokens = {
        re.search(r'name="submission_token" value="([^"]+)"', _html(signed_in.get("/new/"))).group(
            1
        )  # type: ignore[union-attr]
        for _ in range(2)
    }

    assert len(tokens) == 2
    assert all(uuid.UUID(token) for token in tokens)


# --- Bad input ---------------------------------------------------------------------------


def test_new_thread_accepts_a_title_of_150_characters(
    signed_in: Client, category: Category
) -> None:
    title = "é" * 150

    response = signed_in.post("/new/", _new_thread_data(category, title=title))

    assert response.status_code == 302
    assert Thread.objects.get().title == title


def test_new_thread_refuses_a_title_of_151_characters_and_keeps_it(
    signed_in: Client, category: Category
) -> None:
    title = "A title that goes on " + "x" * 130

    response = signed_in.post("/new/", _new_thread_data(category, title=title))

    html = _html(response)
    assert len(title) == 151
    assert response.status_code == 200
    assert "at most 150 characters" in field_error(html, "title")
    assert f'value="{title}"' in html
    assert "Today I *tried* again.</textarea>" in html
    assert not Thread.objects.exists()


def test_new_thread_accepts_a_body_of_20000_characters(
    signed_in: Client, category: Category
) -> None:
    body = "a" * settings.BODY_MAX_LENGTH

    response = signed_in.post("/new/", _new_thread_data(category, body=body))

    assert response.status_code == 302
    assert _opening_post(Thread.objects.get()).body == body


def test_new_thread_counts_a_crlf_line_break_as_one_character(
    signed_in: Client, category: Category
) -> None:
    # 20,200 characters as the browser sends them, 20,000 once CRLF becomes LF.
    body = ("b" * 99 + "\r\n") * 200

    response = signed_in.post("/new/", _new_thread_data(category, body=body))

    assert len(body) == 20_200
    assert response.status_code == 302
    stored = _opening_post(Thread.objects.get()).body
    assert stored == body.replace("\r\n", "\n")
    assert len(stored) == 20_000


def test_new_thread_refuses_a_body_of_20001_characters_and_keeps_it(
    signed_in: Client, category: Category
) -> None:
    body = "My whole story. " + "c" * (settings.BODY_MAX_LENGTH - 15)

    response = signed_in.post("/new/", _new_thread_data(category, body=body))

    html = _html(response)
    assert len(body) == 20_001
    assert response.status_code == 200
    assert field_error(html, "body") == (
        "Please keep a post under 20,000 characters (this one has 20,001)."
    )
    assert body in html
    assert 'value="Small steps"' in html
    assert not Thread.objects.exists()


def test_reply_refuses_a_body_of_100000_characters_with_a_message(
    signed_in: Client, thread: Thread
) -> None:
    body = "d" * 100_000

    response = signed_in.post(f"/t/{thread.pk}/reply/", {"body": body})

    assert response.status_code == 200
    assert "this one has 100,000" in field_error(_html(response), "body")
    assert Post.objects.filter(thread=thread).count() == 1


@pytest.mark.parametrize(
    "character", ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"]
)
def test_new_thread_refuses_control_characters_in_the_body_next_to_the_field(
    signed_in: Client, category: Category, character: str
) -> None:
    body = f"Before{character}after, all typed by me."

    response = signed_in.post("/new/", _new_thread_data(category, body=body))

    html = _html(response)
    assert response.status_code == 200
    assert field_error(html, "body")  # a message next to the body field
    assert field_error(html, "title") == ""
    assert "all typed by me.</textarea>" in html
    assert 'value="Small steps"' in html
    assert not Thread.objects.exists()


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\n", "\r", "\t", "\u2028"])
def test_new_thread_refuses_control_characters_and_line_breaks_in_the_title(
    signed_in: Client, category: Category, character: str
) -> None:
    title = f"A title{character}with something hidden"

    response = signed_in.post("/new/", _new_thread_data(category, title=title))

    html = _html(response)
    assert response.status_code == 200
    assert field_error(html, "title")
    assert "with something hidden" in html
    assert "Today I *tried* again.</textarea>" in html
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "", "This field is required."),
        ("body", " \n\t ", "Please write something first."),
        ("title", "", "This field is required."),
        ("title", "    ", "Please give the thread a title."),
        ("category", "98765", "Select a valid choice."),
        ("category", "not-a-number", "Select a valid choice."),
    ],
)
def test_new_thread_refuses_missing_or_wrong_fields_with_a_message(
    signed_in: Client, category: Category, field: str, value: str, message: str
) -> None:
    data = _new_thread_data(category)
    data[field] = value

    response = signed_in.post("/new/", data)

    assert response.status_code == 200
    assert message in field_error(_html(response), field)
    assert not Thread.objects.exists()


def test_form_page_errors_are_tied_to_their_fields_by_unique_ids(
    signed_in: Client, category: Category
) -> None:
    response = signed_in.post("/new/", _new_thread_data(category, title="x" * 151, body="bad\x07"))

    html = _html(response)
    assert 'aria-describedby="id_title_error"' in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    duplicates = sorted({found for found in ids if ids.count(found) > 1})
    assert duplicates == []


# --- Error pages -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/new/", "/t/{thread}/reply/", "/p/{post}/edit/"])
def test_request_over_the_upload_limit_gets_the_friendly_413_page(
    member: Member, thread: Thread, path: str
) -> None:
    client = client_for(member, raise_request_exception=False)
    target = path.format(thread=thread.pk, post=_opening_post(thread).pk)
    body = "e" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = client.post(target, {"title": "Long", "body": body})

    assert response.status_code == 413
    html = _html(response)
    assert "That was too long to send" in html
    assert "20,000 characters" in html
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/t/987654/reply/",
        "/t/987654/reply/?quote=1",
        "/p/987654/edit/",
        "/p/987654/delete/",
        "/p/987654/history/",
    ],
)
def test_posting_pages_for_an_unknown_id_are_a_404_in_the_site_style(
    signed_in: Client, path: str
) -> None:
    response = signed_in.get(path)

    assert response.status_code == 404
    html = _html(response)
    assert "find that page" in html
    assert 'class="site-header"' in html


def test_reply_to_an_unknown_thread_is_a_404_and_saves_nothing(signed_in: Client) -> None:
    response = signed_in.post("/t/987654/reply/", {"body": "Into the void."})

    assert response.status_code == 404
    assert not Post.objects.exists()


def test_new_thread_without_a_csrf_token_is_a_403_page_that_hands_back_the_text(
    member: Member, category: Category
) -> None:
    client = client_for(member, enforce_csrf_checks=True)
    body = "Two hours of writing.\n\n<b>Every word</b> & more."

    response = client.post("/new/", _new_thread_data(category, title="My long story", body=body))

    assert response.status_code == 403
    html = _html(response)
    assert "That form had expired" in html
    assert escape(body) in html
    assert "My long story</textarea>" in html
    assert "<b>Every word</b>" not in html
    assert not Thread.objects.exists()


def test_reply_without_a_csrf_token_is_a_403_page_that_hands_back_the_text(
    member: Member, thread: Thread
) -> None:
    client = client_for(member, enforce_csrf_checks=True)

    response = client.post(f"/t/{thread.pk}/reply/", {"body": "My reply, kept safe."})

    assert response.status_code == 403
    assert "My reply, kept safe.</textarea>" in _html(response)
    assert Post.objects.filter(thread=thread).count() == 1


def test_new_thread_with_a_valid_csrf_token_posts(member: Member, category: Category) -> None:
    # The other half of the CSRF tests: the same client, with the page's token, succeeds.
    client = client_for(member, enforce_csrf_checks=True)
    form = _html(client.get("/new/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None

    response = client.post("/new/", _new_thread_data(category, csrfmiddlewaretoken=token.group(1)))

    assert response.status_code == 302
    assert Thread.objects.count() == 1


def test_new_thread_with_too_many_fields_gets_the_400_page_not_a_server_error(
    member: Member, category: Category
) -> None:
    client = client_for(member, raise_request_exception=False)
    data = _new_thread_data(category)
    data.update({f"extra{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})

    response = client.post("/new/", data)

    assert response.status_code == 400
    assert "We couldn" in _html(response)
    assert not Thread.objects.exists()


def test_csrf_failure_page_never_hands_back_a_password(member: Member) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/login/", {"username": "QuietHeron42", "password": "a calm and long passphrase"}
    )

    assert response.status_code == 403
    assert "That form had expired" in _html(response)
    assert "a calm and long passphrase" not in _html(response)


# --- Replies at the same moment ------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reply_under_way_leaves_others_free_to_reply_to_its_author(
    monkeypatch: pytest.MonkeyPatch,
    make_member: MemberFactory,
    make_thread: ThreadFactory,
    author: Member,
    thread: Thread,
) -> None:
    """A reply holds its author's row until it commits, so that their posts are counted
    one after the other. Another member replying in the author's thread meanwhile refers
    to that row (the notification it sends them). On PostgreSQL that must not wait for the
    first reply: two members replying to each other at once deadlocked at COMMIT."""
    other = make_member("QuietHeron")
    elsewhere = make_thread(author=other, title="Our small wins", body="Mine first.")
    inside, release = threading.Event(), threading.Event()
    check_posting_rate = ratelimits.check_posting_rate

    def paused(member: Member, now: datetime.datetime) -> None:
        check_posting_rate(member, now)
        if member.pk == author.pk:
            inside.set()
            release.wait(10)

    monkeypatch.setattr(ratelimits, "check_posting_rate", paused)
    failures: list[Exception] = []

    def reply(by: Member, where: Thread, body: str) -> None:
        try:
            actions.post_reply(author=by, thread=where, body=body)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=reply, args=(author, elsewhere, "Slowly, and that is fine."))
    first.start()
    assert inside.wait(10), "the first reply never reached its posting check"
    try:
        if connection.vendor == "postgresql":
            # Waiting for the first reply would end in this error instead of a reply.
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            actions.post_reply(author=other, thread=thread, body="Thinking of you.")
            assert first.is_alive(), "the first reply ended before the second one posted"
        else:
            # SQLite has one write lock for the whole database: the second reply queues
            # behind the first and is stored once it commits.
            second = threading.Thread(target=reply, args=(other, thread, "Thinking of you."))
            second.start()
            second.join(0.3)
            assert second.is_alive(), "the second reply did not wait for the write lock"
            release.set()
            second.join(10)
    finally:
        release.set()
        first.join(10)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")

    assert failures == []
    assert Post.objects.filter(author=author, thread=elsewhere).count() == 1
    assert Post.objects.filter(author=other, thread=thread, body="Thinking of you.").count() == 1
    assert Notification.objects.filter(recipient=author, post__body="Thinking of you.").exists()
