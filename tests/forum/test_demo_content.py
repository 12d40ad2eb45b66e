"""The demo content that `manage.py load_demo` puts into a fresh database."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from forum import actions
from forum.demo_content import MEMBERS, THREADS
from forum.management.commands import load_demo
from forum.markup import render_markdown
from forum.models import Category, Member, Post, PostRevision, Thread
from forum.pseudonyms import validate_pseudonym

STARTER_SLUGS = {
    "partner-involvement",
    "progress-stories",
    "questions-support",
    "dilators-exercises",
    "treatment-practitioners",
    "wins-celebrations",
    "off-topic",
}
DEMO_REPLIES = sum(len(thread.replies) for thread in THREADS)


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def loaded(db: None) -> str:
    return run()


def test_load_demo_content_is_the_promised_size() -> None:
    assert len(MEMBERS) == 8
    assert len(THREADS) == 25
    assert 140 <= DEMO_REPLIES <= 160
    assert {thread.category for thread in THREADS} == STARTER_SLUGS
    assert any(member.is_partner for member in MEMBERS)


def test_load_demo_content_uses_allowed_pseudonyms_for_every_author() -> None:
    pseudonyms = [member.pseudonym for member in MEMBERS]
    assert len(set(pseudonyms)) == len(pseudonyms)
    for pseudonym in pseudonyms:
        validate_pseudonym(pseudonym)
    authors = {thread.opening.author for thread in THREADS} | {
        reply.author for thread in THREADS for reply in thread.replies
    }
    assert authors == set(pseudonyms)


def test_load_demo_content_fits_the_posting_limits() -> None:
    for thread in THREADS:
        assert 0 < len(thread.title) <= settings.TITLE_MAX_LENGTH
        for post in (thread.opening, *thread.replies):
            assert post.body.strip()
            assert len(post.body) + len(post.added_in_edit) + 2 <= settings.BODY_MAX_LENGTH


@pytest.mark.django_db
def test_load_demo_loads_members_threads_and_replies_across_every_category(
    loaded: str,
) -> None:
    assert Member.objects.count() == len(MEMBERS)
    assert Thread.objects.count() == len(THREADS)
    assert Post.objects.count() == len(THREADS) + DEMO_REPLIES
    assert (
        set(Category.objects.filter(threads__isnull=False).values_list("slug", flat=True))
        == STARTER_SLUGS
    )
    assert loaded.strip() == (
        f"Loaded demo content: 8 members, 25 threads, {DEMO_REPLIES} replies."
    )


@pytest.mark.django_db
def test_load_demo_makes_the_same_threads_every_run(loaded: str) -> None:
    assert sorted(Thread.objects.values_list("title", flat=True)) == sorted(
        thread.title for thread in THREADS
    )
    now = timezone.now()
    assert load_demo.plan_posts(now) == load_demo.plan_posts(now)


@pytest.mark.django_db
def test_load_demo_if_empty_does_nothing_on_a_database_with_a_member(
    make_member: Callable[..., Member],
) -> None:
    make_member()

    output = run("--if-empty")

    assert output.strip() == "Members already exist, so the demo content was not loaded."
    assert len(output.strip().splitlines()) == 1
    assert Member.objects.count() == 1
    assert not Thread.objects.exists()


@pytest.mark.argon2
@pytest.mark.django_db
def test_load_demo_if_empty_loads_into_an_empty_database() -> None:
    output = run("--if-empty")  # with the real Argon2 hasher: still only a few seconds

    assert output.startswith("Loaded demo content:")
    assert Thread.objects.count() == len(THREADS)
    assert all(
        password.startswith("argon2")
        for password in Member.objects.values_list("password", flat=True)
    )


@pytest.mark.django_db
def test_load_demo_refuses_clearly_when_the_demo_members_exist(loaded: str) -> None:
    with pytest.raises(CommandError, match="already"):
        run()

    assert Member.objects.count() == len(MEMBERS)
    assert Thread.objects.count() == len(THREADS)


@pytest.mark.django_db
def test_load_demo_gives_random_passwords_that_are_never_shown(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    issued: list[str] = []
    real_token_urlsafe = secrets.token_urlsafe

    def recording_token(nbytes: int | None = None) -> str:
        token = real_token_urlsafe(nbytes)
        issued.append(token)
        return token

    monkeypatch.setattr(load_demo.secrets, "token_urlsafe", recording_token)

    with caplog.at_level(logging.DEBUG):
        output = run()

    assert len(issued) == len(MEMBERS)
    assert len(set(issued)) == len(issued)
    assert all(len(password) >= 40 for password in issued)
    for password in issued:
        assert password not in output
        assert password not in caplog.text
    for member, password in zip(Member.objects.order_by("id"), issued, strict=True):
        assert member.has_usable_password()
        assert member.check_password(password)
        assert not member.check_password(member.pseudonym)
        assert not member.check_password("")


@pytest.mark.django_db
def test_load_demo_renders_every_post_through_markup(loaded: str) -> None:
    posts = list(Post.objects.all())
    for post in posts:
        assert post.html
        assert "<p>" in post.html
        assert post.html == render_markdown(post.body)
    every_html = "".join(post.html for post in posts)
    for tag in ("<em>", "<strong>", "<ul>", "<ol>", "<blockquote>"):
        assert tag in every_html
    # Indented source must not have turned into code blocks.
    assert "<pre>" not in every_html


@pytest.mark.django_db
def test_load_demo_dates_posts_in_the_past_with_replies_after_the_first_post(
    loaded: str,
) -> None:
    now = timezone.now()
    oldest = Post.objects.order_by("created_at").first()
    assert oldest is not None
    assert timedelta(days=90) < now - oldest.created_at < timedelta(days=150)
    for thread in Thread.objects.all():
        posts = list(thread.posts.order_by("id"))
        times = [post.created_at for post in posts]
        assert all(time < now for time in times)
        assert times == sorted(times)
        assert len(set(times)) == len(times)
        assert thread.created_at == times[0]
        assert thread.last_posted_at == times[-1]
    # Ids follow dates across the whole site, as they would have if posted live.
    by_id = list(Post.objects.order_by("id").values_list("created_at", flat=True))
    assert by_id == sorted(by_id)


@pytest.mark.django_db
def test_load_demo_members_joined_before_they_first_posted(loaded: str) -> None:
    for member in Member.objects.all():
        first = member.posts.order_by("created_at").first()
        assert first is not None
        assert member.joined_at < first.created_at


@pytest.mark.django_db
def test_load_demo_reply_count_matches_the_replies(loaded: str) -> None:
    replies_by_title = {thread.title: len(thread.replies) for thread in THREADS}
    for thread in Thread.objects.all():
        assert thread.reply_count == thread.posts.count() - 1
        assert thread.reply_count == replies_by_title[thread.title]


@pytest.mark.django_db
def test_load_demo_pins_the_first_month_thread(loaded: str) -> None:
    pinned = set(Thread.objects.filter(is_pinned=True).values_list("title", flat=True))
    assert pinned == {thread.title for thread in THREADS if thread.is_pinned}
    assert 1 <= len(pinned) <= 2


@pytest.mark.django_db
def test_load_demo_shows_some_posts_as_edited_with_their_earlier_version(loaded: str) -> None:
    edited = list(Post.objects.filter(edited_at__isnull=False))
    assert 1 <= len(edited) <= 3
    for post in edited:
        assert post.edited_at is not None
        assert post.created_at < post.edited_at < timezone.now()
        revision = PostRevision.objects.get(post=post)
        assert revision.written_at == post.created_at
        assert post.body.startswith(revision.body)


@pytest.fixture
def failing_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    real_post_reply = actions.post_reply
    calls = 0

    def post_reply(**kwargs: Any) -> Post:
        nonlocal calls
        calls += 1
        if calls > 40:
            raise RuntimeError("the database went away")
        return real_post_reply(**kwargs)

    monkeypatch.setattr(actions, "post_reply", post_reply)


@pytest.mark.django_db
def test_load_demo_leaves_an_empty_database_when_it_fails_halfway(failing_reply: None) -> None:
    with pytest.raises(RuntimeError):
        run()

    assert not Member.objects.exists()
    assert not Thread.objects.exists()
    assert not Post.objects.exists()
