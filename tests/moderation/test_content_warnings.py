"""A moderator adds a content warning (issue 5, point 6): logged, the author told kindly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from forum import actions as forum_actions
from forum.models import Member, Post, Thread
from moderation import actions as moderation_actions
from moderation.models import LogEntry, Notice
from tests.helpers import client_for
from tests.moderation.clients import verified_client

pytestmark = pytest.mark.django_db


# --- A moderator adds a warning -----------------------------------------------------------


def test_a_moderator_adds_a_warning_logged_and_kindly_told(
    make_thread: Callable[..., Thread], moderator: Member
) -> None:
    post = make_thread().posts.get()
    moderation_actions.add_content_warning(
        moderator=moderator, post=post, warning="sexual_abuse", reason="Describes an assault."
    )
    post.refresh_from_db()
    assert post.content_warnings == ["sexual_abuse"]
    entry = LogEntry.objects.get(action=LogEntry.Action.ADD_CONTENT_WARNING)
    assert entry.moderator == moderator
    assert entry.post_id == post.pk
    assert "Describes an assault." in entry.reason
    notice = Notice.objects.get(recipient=post.author)
    assert notice.kind == Notice.Kind.CONTENT_WARNING_ADDED
    assert "not a punishment" in notice.reason
    assert "Sexual abuse or assault" in notice.reason
    assert post.body in Post.objects.get(pk=post.pk).body  # the words are untouched


def test_the_moderator_post_page_adds_a_warning(
    make_thread: Callable[..., Thread], moderator: Member
) -> None:
    post = make_thread().posts.get()
    client = verified_client(moderator)
    url = reverse("moderation:post", args=[post.pk])
    assert 'name="do" value="content_warning"' in client.get(url).content.decode()
    response = client.post(
        url, {"do": "content_warning", "warning": "self_harm", "reason": "Mentions self-harm."}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.content_warnings == ["self_harm"]


# --- The author edits afterwards ----------------------------------------------------------


def test_a_moderators_warning_stays_when_the_author_unticks_it(
    make_thread: Callable[..., Thread], moderator: Member
) -> None:
    post = make_thread().posts.get()
    forum_actions.edit_post(
        editor=post.author, post=post, body=post.body, warnings=["medical_examination"]
    )
    moderation_actions.add_content_warning(
        moderator=moderator, post=post, warning="sexual_abuse", reason="Describes an assault."
    )

    forum_actions.edit_post(editor=post.author, post=post, body="Said more gently.", warnings=[])

    post.refresh_from_db()
    # The author's own warning is theirs to remove; the moderator's stays.
    assert post.content_warnings == ["sexual_abuse"]
    assert post.body == "Said more gently."


def test_the_edit_page_says_which_warning_a_moderator_added(
    make_thread: Callable[..., Thread], moderator: Member
) -> None:
    post = make_thread().posts.get()
    moderation_actions.add_content_warning(
        moderator=moderator, post=post, warning="self_harm", reason="Mentions self-harm."
    )

    html = client_for(post.author).get(reverse("forum:edit_post", args=[post.pk])).content
    unwarned = make_thread(title="Another one").posts.get()
    plain = client_for(unwarned.author).get(reverse("forum:edit_post", args=[unwarned.pk]))

    assert "A moderator added “Self-harm”: it stays on this post." in html.decode()
    assert "A moderator added" not in plain.content.decode()
