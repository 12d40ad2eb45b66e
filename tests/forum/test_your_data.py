"""Settings › Your data: the download of a member's own data, and deleting the account."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import actions, broadcast, export
from forum.models import (
    Bookmark,
    BrowserSession,
    Follow,
    JourneyEntry,
    Member,
    Notification,
    Post,
    PostRevision,
    Reaction,
    RecoveryCode,
    Thread,
    ThreadReadState,
)
from moderation import actions as moderation_actions
from moderation.models import LogEntry, Notice, Report
from tests.conftest import PASSWORD
from tests.helpers import sign_in, stored_values

NAME = "VelvetQuokka"


@dataclass
class Story:
    member: Member
    other: Member
    moderator: Member
    client: Client
    own_thread: Thread
    lonely_thread: Thread
    others_thread: Thread
    reply: Post
    anonymous_reply: Post
    quoting_reply: Post
    reply_in_own_thread: Post


@pytest.fixture
def story(make_member: Callable[..., Member], make_thread: Callable[..., Thread]) -> Story:
    """A member who posted (anonymously too), edited, was quoted and replied to, reported
    a post, was reported, had a post removed and was warned by a moderator."""
    member = make_member(NAME)
    other = make_member("BrightLark")
    moderator = make_member("CalmOwl")
    moderation_actions.make_moderator(member=moderator, by=None, reason="Helps out")
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 Firefox/130.0")
    sign_in(client, NAME)
    own_thread = make_thread(author=member, title="Small steps with dilators")
    lonely_thread = make_thread(author=member, title="Nobody answered this one")
    others_thread = make_thread(author=other, title="What helped you?")
    reply = actions.post_reply(author=member, thread=others_thread, body="Patience helped me.")
    actions.edit_post(editor=member, post=reply, body="Patience and a good physio helped me.")
    anonymous_reply = actions.post_reply(
        author=member, thread=others_thread, body="Something I never told anyone."
    )
    Post.objects.filter(pk=anonymous_reply.pk).update(is_anonymous=True)
    quoting_reply = actions.post_reply(
        author=other,
        thread=others_thread,
        body=f"> **{NAME} wrote:**\n>\n> Patience helped me.\n\nThank you, {NAME}!",
        quoted_post=reply,
    )
    reply_in_own_thread = actions.post_reply(author=other, thread=own_thread, body="Me too.")
    moderation_actions.report_post(
        reporter=member, post=reply_in_own_thread, reason="spam", note="Looks like an advert"
    )
    moderation_actions.report_post(
        reporter=other, post=reply, reason="harassment", note=f"{NAME} was curt"
    )
    moderation_actions.hide_post(
        moderator=moderator, post=anonymous_reply, reason="Off topic", guideline="be-kind"
    )
    moderation_actions.warn_member(
        moderator=moderator, member=member, reason="Please be gentle.", guideline="be-kind"
    )
    assert Notification.objects.filter(recipient=member).count() == 2
    return Story(
        member=member,
        other=other,
        moderator=moderator,
        client=client,
        own_thread=own_thread,
        lonely_thread=lonely_thread,
        others_thread=others_thread,
        reply=reply,
        anonymous_reply=anonymous_reply,
        quoting_reply=quoting_reply,
        reply_in_own_thread=reply_in_own_thread,
    )


# --- The download ------------------------------------------------------------------------


def test_settings_page_links_to_your_data(signed_in: Client) -> None:
    html = signed_in.get(reverse("forum:settings")).content.decode()
    assert reverse("forum:export_data") in html
    assert reverse("forum:delete_account") in html
    assert "cannot be undone" in html


def test_the_download_needs_the_password(signed_in: Client) -> None:
    assert signed_in.get(reverse("forum:export_data")).status_code == 200
    response = signed_in.post(reverse("forum:export_data"), {"password": "not it"})
    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert "Content-Disposition" not in response


def test_the_download_needs_an_account(client: Client, db: None) -> None:
    response = client.post(reverse("forum:export_data"), {"password": PASSWORD})
    assert response.status_code == 302
    assert reverse("forum:login") in response["Location"]


def test_the_download_holds_the_members_own_data_and_nobody_elses(story: Story) -> None:
    response = story.client.post(reverse("forum:export_data"), {"password": PASSWORD})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    data = json.loads(text)

    assert data["profile"]["pseudonym"] == NAME
    assert data["profile"]["preferences"]["discreet_mode"] is False
    assert set(data["profile"]["preferences"]["content_warnings"].values()) == {"collapse"}
    by_id = {post["id"]: post for post in data["posts"]}
    assert set(by_id) == set(Post.objects.filter(author=story.member).values_list("pk", flat=True))
    assert by_id[story.anonymous_reply.pk]["anonymous"] is True
    assert by_id[story.reply.pk]["anonymous"] is False
    assert by_id[story.reply.pk]["thread"] == {
        "id": story.others_thread.pk,
        "title": "What helped you?",
    }
    assert [v["body"] for v in by_id[story.reply.pk]["earlier_versions"]] == ["Patience helped me."]
    assert {t["id"] for t in data["threads_started"]} == {
        story.own_thread.pk,
        story.lonely_thread.pk,
    }
    assert {n["post_id"] for n in data["notifications"]} == {
        story.quoting_reply.pk,
        story.reply_in_own_thread.pk,
    }
    assert [(r["reason"], r["note"]) for r in data["reports_filed"]] == [
        ("spam", "Looks like an advert")
    ]
    assert {n["kind"] for n in data["moderation_notices"]} == {"post_hidden", "warning"}
    assert [s["browser"] for s in data["browser_sessions"]] == ["Firefox"]
    # Nothing of anyone else: not the member who replied, quoted and reported, not the
    # moderator, not the other member's words or report.
    for foreign in ("BrightLark", "CalmOwl", "was curt", "Thank you", "Me too."):
        assert foreign not in text


def test_the_download_costs_the_same_queries_however_much_was_written(
    member: Member, make_thread: Callable[..., Thread], make_reply: Callable[..., Post]
) -> None:
    thread = make_thread(author=member)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            export.member_data_json(member)
        return len(queries)

    few = count()
    for number in range(20):
        reply = make_reply(thread, author=member, body=f"Reply {number}")
        actions.edit_post(editor=member, post=reply, body=f"Reply {number}, edited")
        make_reply(thread)  # notifies the starter
    # Journeys, follows and saved posts add three (a journey's entries one more).
    assert count() == few == 15


# --- Deleting the account ----------------------------------------------------------------


def test_deleting_needs_the_password(story: Story) -> None:
    response = story.client.post(
        reverse("forum:delete_account"), {"posts": "delete", "password": "not it"}
    )
    assert response.status_code == 400
    assert "That is not your current password." in response.content.decode()
    assert Member.objects.filter(pk=story.member.pk).exists()


def test_deleting_needs_a_choice_about_the_posts(story: Story) -> None:
    response = story.client.post(reverse("forum:delete_account"), {"password": PASSWORD})
    assert response.status_code == 400
    assert Member.objects.filter(pk=story.member.pk).exists()


def _delete(story: Story, choice: str, monkeypatch: pytest.MonkeyPatch, capture: object) -> None:
    closed: list[int] = []
    monkeypatch.setattr(broadcast, "close_member_sockets", closed.append)
    member_id = story.member.pk
    with capture(execute=True):  # type: ignore[operator]
        response = story.client.post(
            reverse("forum:delete_account"), {"posts": choice, "password": PASSWORD}
        )
    assert response.status_code == 302
    assert closed == [member_id]
    # Signed out, and every trace of the account's sessions gone.
    assert "_auth_user_id" not in story.client.session
    assert not Member.objects.filter(pk=member_id).exists()
    assert not BrowserSession.objects.filter(member_id=member_id).exists()
    assert not RecoveryCode.objects.filter(member_id=member_id).exists()
    assert not Notification.objects.filter(recipient_id=member_id).exists()
    assert not Notice.objects.filter(recipient_id=member_id).exists()
    for session in Session.objects.all():
        assert session.get_decoded().get("_auth_user_id") != str(member_id)


def _assert_no_trace_of_the_pseudonym() -> None:
    found = [value for value in stored_values() if NAME.casefold() in value.casefold()]
    assert found == []


def test_deleting_and_keeping_the_posts(
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    _delete(story, "keep", monkeypatch, django_capture_on_commit_callbacks)
    _assert_no_trace_of_the_pseudonym()
    placeholder = Member.objects.get(pseudonym="former member")
    assert not placeholder.is_active
    assert not placeholder.has_usable_password()
    reply = Post.objects.get(pk=story.reply.pk)
    assert reply.author == placeholder
    assert reply.body == "Patience and a good physio helped me."
    assert not PostRevision.objects.filter(post__author=placeholder).exists()
    assert Post.objects.get(pk=story.anonymous_reply.pk).is_anonymous
    assert Thread.objects.get(pk=story.lonely_thread.pk).author == placeholder
    assert Report.objects.filter(reporter=placeholder, note="Looks like an advert").exists()
    quoting = Post.objects.get(pk=story.quoting_reply.pk)
    assert "**former member wrote:**" in quoting.body
    assert "Thank you, former member!" in quoting.body
    page = Client().get(reverse("forum:thread", args=[story.others_thread.pk]))
    assert "former member" in page.content.decode()


def test_deleting_the_posts_too(
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    _delete(story, "delete", monkeypatch, django_capture_on_commit_callbacks)
    _assert_no_trace_of_the_pseudonym()
    placeholder = Member.objects.get(pseudonym="former member")
    # Tombstones keep the threads' shape; others' replies stay.
    for post_id in (story.reply.pk, story.anonymous_reply.pk):
        post = Post.objects.get(pk=post_id)
        assert (post.author, post.body, post.html) == (placeholder, "", "")
        assert post.is_deleted
    own_thread = Thread.objects.get(pk=story.own_thread.pk)
    assert own_thread.title == "A thread by a former member"
    assert Post.objects.get(pk=story.reply_in_own_thread.pk).body == "Me too."
    # A thread nobody else posted in goes entirely.
    assert not Thread.objects.filter(pk=story.lonely_thread.pk).exists()
    # Their words are gone (another member's quote of them is that member's post).
    for text in ("good physio", "never told anyone", "Looks like an advert", "Small steps"):
        assert not any(text in value for value in stored_values()), text


def test_a_moderator_cannot_delete_their_account_here(story: Story) -> None:
    client = Client()
    client.force_login(story.moderator)
    response = client.post(reverse("forum:delete_account"), {"posts": "keep", "password": PASSWORD})
    assert response.status_code == 400
    assert "moderator" in response.content.decode()
    assert Member.objects.filter(pk=story.moderator.pk).exists()


def test_the_former_member_name_cannot_be_registered(db: None) -> None:
    with pytest.raises(Exception, match="letters, digits"):
        actions.register_member(pseudonym="former member", password=PASSWORD)


def test_the_moderation_log_names_members_by_id_only(story: Story) -> None:
    warning = LogEntry.objects.get(action=LogEntry.Action.WARN_MEMBER)
    assert warning.target == f"member {story.member.pk}"


# --- Mute, block, hidden authors, perspective (issue 6) ---------------------------------


def _people_rows(member: Member) -> list[object]:
    from forum.models import Block, CategoryMute, HiddenAuthor, ThreadMute

    return [
        *ThreadMute.objects.filter(member=member),
        *CategoryMute.objects.filter(member=member),
        *Block.objects.filter(blocker=member),
        *Block.objects.filter(blocked=member),
        *HiddenAuthor.objects.filter(member=member),
        *HiddenAuthor.objects.filter(author=member),
    ]


def test_mutes_blocks_and_hidden_authors_are_exported_and_go_with_the_account(
    make_member: Callable[..., Member], make_thread: Callable[..., Thread]
) -> None:
    from forum import aliases
    from forum.models import Perspective

    member, blocked, masked = make_member("Chooser"), make_member("Blocked1"), make_member()
    thread = make_thread(author=blocked, title="Muted thread")
    actions.mute_thread(member=member, thread=thread)
    actions.mute_category(member=member, category=thread.category)
    actions.block_member(member=member, post=thread.posts.get())
    hidden_post = actions.post_reply(author=masked, thread=thread, body="m", anonymous=True)
    actions.hide_anonymous_author(member=member, post=hidden_post)
    actions.set_perspective(member=member, perspective=Perspective.PARTNER)

    people = export.member_data(member)["people"]
    assert people["perspective"] == "partner"
    assert [row["thread_id"] for row in people["muted_threads"]] == [thread.pk]
    assert [row["category"] for row in people["muted_categories"]] == [thread.category.slug]
    assert [row["pseudonym"] for row in people["blocked"]] == ["Blocked1"]
    assert people["hidden_anonymous_authors"] == [
        {
            "thread_id": thread.pk,
            "alias": aliases.post_alias(hidden_post),
            "hidden": people["hidden_anonymous_authors"][0]["hidden"],
        }
    ]
    exported = export.member_data_json(member)
    assert masked.pseudonym not in exported
    assert f'"author": {masked.pk}' not in exported
    # Others' exports hold nothing of it: the blocked member is never told.
    assert "Chooser" not in export.member_data_json(blocked)

    assert len(_people_rows(member)) == 4
    actions.delete_account(member=member, keep_posts=True)
    assert _people_rows(member) == []


def test_blocks_and_hidden_authors_go_when_that_member_deletes_their_account(
    make_member: Callable[..., Member], make_thread: Callable[..., Thread]
) -> None:
    member, leaving = make_member(), make_member("LeavingSoon")
    thread = make_thread(author=leaving)
    actions.block_member(member=member, post=thread.posts.get())
    masked = actions.post_reply(author=leaving, thread=thread, body="m", anonymous=True)
    actions.hide_anonymous_author(member=member, post=masked)
    actions.delete_account(member=leaving, keep_posts=True)
    assert _people_rows(member) == []
    assert all("LeavingSoon" not in value for value in stored_values())


def test_the_download_lists_the_reactions_given_and_nothing_of_the_authors(story: Story) -> None:
    anonymous_post = actions.post_reply(
        author=story.other, thread=story.others_thread, body="Only an alias.", anonymous=True
    )
    assert anonymous_post.is_anonymous
    actions.toggle_reaction(member=story.member, post=story.reply_in_own_thread, kind="hug")
    actions.toggle_reaction(member=story.member, post=anonymous_post, kind="me_too")
    actions.toggle_reaction(member=story.other, post=story.reply, kind="thank_you")
    text = export.member_data_json(story.member)
    data = json.loads(text)
    assert [(r["post_id"], r["kind"]) for r in data["reactions"]] == [
        (story.reply_in_own_thread.pk, "hug"),
        (anonymous_post.pk, "me_too"),
    ]
    assert set(data["reactions"][0]) == {"post_id", "kind", "given"}
    assert "BrightLark" not in text


def test_deleting_the_account_takes_its_reactions_and_read_states(
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    actions.toggle_reaction(member=story.member, post=story.reply_in_own_thread, kind="hug")
    actions.toggle_reaction(member=story.other, post=story.reply, kind="celebrate")
    story.client.get(story.others_thread.get_absolute_url())
    assert ThreadReadState.objects.filter(member=story.member).exists()
    _delete(story, "keep", monkeypatch, django_capture_on_commit_callbacks)
    assert not Reaction.objects.filter(member_id=story.member.pk).exists()
    assert not ThreadReadState.objects.filter(member_id=story.member.pk).exists()
    # Reactions others gave to the posts that stay, stay with them.
    assert Reaction.objects.filter(post=story.reply, kind="celebrate").exists()


# --- Journeys, follows and saved posts -------------------------------------------------------


def test_the_download_holds_journeys_follows_and_saved_posts(story: Story) -> None:
    journey = actions.start_journey(author=story.member, title="My own pace", body="Day one.")
    actions.add_journey_entry(
        author=story.member,
        journey=journey,
        happened_on=journey.thread.created_at.date(),
        note="Private words",
        comfort=4,
    )
    actions.follow_thread(member=story.member, thread=story.others_thread)
    actions.save_post(member=story.member, post=story.reply_in_own_thread)
    response = story.client.post(reverse("forum:export_data"), {"password": PASSWORD})
    data = json.loads(response.content)
    [exported] = data["journeys"]
    assert exported["entries"][0]["note"] == "Private words"
    assert exported["entries"][0]["shared"] is False
    assert [row["thread_id"] for row in data["following"]] == [story.others_thread.pk]
    assert [row["post_id"] for row in data["saved_posts"]] == [story.reply_in_own_thread.pk]


def test_the_download_costs_the_same_queries_however_many_journey_entries(
    member: Member,
) -> None:
    journey = actions.start_journey(author=member, title="Counting", body="Day one.")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            export.member_data_json(member)
        return len(queries)

    few = count()
    for number in range(10):
        actions.add_journey_entry(
            author=member,
            journey=journey,
            happened_on=journey.thread.created_at.date(),
            note=f"Entry {number}",
            is_shared=bool(number % 2),
        )
    assert count() == few


def test_deleting_the_account_leaves_no_private_entry_follow_or_bookmark(
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    journey = actions.start_journey(author=story.member, title="Kept going", body="Day one.")
    day = journey.thread.created_at.date()
    actions.add_journey_entry(
        author=story.member, journey=journey, happened_on=day, note="A private evening"
    )
    actions.add_journey_entry(
        author=story.member,
        journey=journey,
        happened_on=day,
        note="A shared morning",
        is_shared=True,
    )
    actions.follow_thread(member=story.member, thread=story.others_thread)
    actions.save_post(member=story.member, post=story.reply_in_own_thread)
    _delete(story, "keep", monkeypatch, django_capture_on_commit_callbacks)
    _assert_no_trace_of_the_pseudonym()
    assert not any("A private evening" in value for value in stored_values())
    assert any("A shared morning" in value for value in stored_values())
    assert not Follow.objects.exists()
    assert not Bookmark.objects.exists()


def test_deleting_the_posts_too_removes_every_journey_entry(
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    journey = actions.start_journey(author=story.member, title="Kept going", body="Day one.")
    actions.add_journey_entry(
        author=story.member,
        journey=journey,
        happened_on=journey.thread.created_at.date(),
        note="A shared morning",
        is_shared=True,
    )
    _delete(story, "delete", monkeypatch, django_capture_on_commit_callbacks)
    assert not JourneyEntry.objects.exists()
    assert not any("A shared morning" in value for value in stored_values())
