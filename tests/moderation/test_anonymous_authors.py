"""Moderating anonymous posts without unmasking them, and revealing an author only
with a reason and a second admin's approval."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from forum import actions as forum_actions
from forum.exceptions import ActionRefused
from forum.models import Member, Post, Thread
from moderation import actions
from moderation.models import LogEntry, Notice, RevealRequest
from tests.moderation.clients import verified_client

pytestmark = pytest.mark.django_db


def traces(member: Member) -> list[str]:
    return [member.pseudonym, f"member-{member.pk}", f"/moderation/members/{member.pk}/"]


def assert_unlinked(text: str, member: Member) -> None:
    for trace in traces(member):
        assert trace not in text, trace


@pytest.fixture
def writer(make_member: Callable[..., Member]) -> Member:
    return make_member("SecretWriter77")


@pytest.fixture
def anonymous_post(writer: Member, thread: Thread) -> Post:
    return forum_actions.post_reply(author=writer, thread=thread, body="Hard words", anonymous=True)


def _revealer(make_moderator: Callable[..., Member], name: str) -> Member:
    admin = make_moderator(name)
    admin.user_permissions.add(Permission.objects.get(codename="reveal_anonymous_author"))
    return Member.objects.get(pk=admin.pk)


def test_queue_post_page_and_log_show_the_alias_only(
    anonymous_post: Post,
    writer: Member,
    moderator: Member,
    make_report: Callable[..., object],
) -> None:
    make_report(anonymous_post)
    client = verified_client(moderator)
    queue = client.get("/moderation/").content.decode()
    assert "Anonymous " in queue
    assert_unlinked(queue, writer)
    page = client.get(f"/moderation/posts/{anonymous_post.pk}/").content.decode()
    assert "Warn the author of this post" in page
    assert_unlinked(page, writer)
    actions.hide_post(
        moderator=moderator, post=anonymous_post, reason="Too much", guideline="be-kind"
    )
    log = client.get("/moderation/log/").content.decode()
    assert_unlinked(log, writer)
    assert not LogEntry.objects.filter(member_id=writer.pk).exists()
    thread_page = client.get(anonymous_post.thread.get_absolute_url()).content.decode()
    assert_unlinked(thread_page, writer)


def test_member_page_does_not_list_anonymous_posts(
    anonymous_post: Post, writer: Member, moderator: Member
) -> None:
    page = verified_client(moderator).get(f"/moderation/members/{writer.pk}/").content.decode()
    assert "Starting with dilators" not in page


def test_warn_and_suspend_the_author_of_a_post(
    anonymous_post: Post, writer: Member, moderator: Member
) -> None:
    client = verified_client(moderator)
    client.post(
        f"/moderation/posts/{anonymous_post.pk}/",
        {"do": "warn_author", "reason": "Please be gentle", "guideline": "be-kind"},
    )
    assert Notice.objects.filter(recipient=writer, kind=Notice.Kind.WARNING).exists()
    client.post(
        f"/moderation/posts/{anonymous_post.pk}/",
        {"do": "suspend_author", "days": "3", "reason": "Again", "guideline": "be-kind"},
    )
    writer.refresh_from_db()
    assert writer.is_suspended
    entries = LogEntry.objects.filter(post_id=anonymous_post.pk)
    assert {entry.action for entry in entries} == {"warn_author", "suspend_author"}
    for entry in entries:
        assert entry.member_id is None
        assert writer.pseudonym not in entry.target


def test_reveal_needs_permission_reason_and_a_second_admin(
    anonymous_post: Post, writer: Member, moderator: Member, make_moderator: Callable[..., Member]
) -> None:
    with pytest.raises(PermissionDenied):
        actions.request_reveal(admin=moderator, post=anonymous_post, reason="curious")
    first = _revealer(make_moderator, "CarefulFern")
    second = _revealer(make_moderator, "SteadyOak")
    with pytest.raises(ActionRefused):
        actions.request_reveal(admin=first, post=anonymous_post, reason="  ")
    request = actions.request_reveal(admin=first, post=anonymous_post, reason="A credible threat")
    with pytest.raises(ActionRefused):
        actions.revealed_author(admin=first, request=request)
    with pytest.raises(ActionRefused):
        actions.approve_reveal(admin=first, request=request)
    client = verified_client(first)
    assert_unlinked(client.get(f"/moderation/reveals/{request.pk}/").content.decode(), writer)
    verified_client(second).post("/moderation/reveals/", {"request": request.pk})
    request.refresh_from_db()
    assert request.status == RevealRequest.Status.APPROVED
    assert actions.revealed_author(admin=first, request=request) == writer
    assert writer.pseudonym in client.get(f"/moderation/reveals/{request.pk}/").content.decode()
    with pytest.raises(PermissionDenied):
        actions.revealed_author(admin=second, request=request)
    assert Notice.objects.filter(recipient=writer, kind=Notice.Kind.AUTHOR_REVEALED).exists()
    for entry in LogEntry.objects.filter(post_id=anonymous_post.pk):
        assert entry.member_id is None
        assert writer.pseudonym not in entry.target
    assert {entry.action for entry in LogEntry.objects.filter(post_id=anonymous_post.pk)} == {
        "request_reveal",
        "approve_reveal",
    }


def test_reveal_pages_refuse_moderators_without_the_permission(moderator: Member) -> None:
    assert verified_client(moderator).get("/moderation/reveals/").status_code == 403
