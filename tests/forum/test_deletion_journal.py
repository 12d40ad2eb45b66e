"""The account-deletion journal and its replay after a restore from backup: a member who
deleted their account after the dump must not come back with the restored copy.

"The dump" is the database at a savepoint: the deletion happens inside it, the journal is
exported to a file (outside the database, as production copies it off), and rolling back
to the savepoint leaves the database exactly as a dump taken before the deletion would
restore it. The replay then runs against that state through the real commands.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from pytest_django.fixtures import Settings

from forum import actions, deletion_journal
from forum.exceptions import ActionRefused
from forum.models import AccountDeletion, Member, Post, Thread
from moderation import actions as moderation_actions
from tests.helpers import stored_values

NAME = "WillowTern"


class BackToTheDump(Exception):
    """Rolls the database back to the savepoint standing for the dump."""


@dataclass
class Story:
    leaver: Member
    stayer: Member
    thread: Thread
    reply: Post
    anonymous_reply: Post
    quoting_reply: Post


@pytest.fixture
def story(make_member: Callable[..., Member], make_thread: Callable[..., Thread]) -> Story:
    leaver = make_member(NAME)
    stayer = make_member("SteadyFinch")
    thread = make_thread(author=stayer, title="What helped you?")
    reply = actions.post_reply(author=leaver, thread=thread, body="Patience helped me.")
    anonymous_reply = actions.post_reply(
        author=leaver, thread=thread, body="Something I never told anyone.", anonymous=True
    )
    quoting_reply = actions.post_reply(
        author=stayer,
        thread=thread,
        body=f"> **{NAME} wrote:**\n>\n> Patience helped me.\n\nThank you, {NAME}!",
        quoted_post=reply,
    )
    return Story(leaver, stayer, thread, reply, anonymous_reply, quoting_reply)


def _traces_of_the_name() -> list[str]:
    return [value for value in stored_values() if NAME.casefold() in value.casefold()]


def _delete_and_copy_the_journal_off(member: Member, *, keep_posts: bool, journal: Path) -> None:
    with transaction.atomic():
        actions.delete_account(member=member, keep_posts=keep_posts)
        call_command("export_deletion_journal", output=journal)
        raise BackToTheDump


def _delete_after_the_dump(member: Member, *, keep_posts: bool, journal: Path) -> None:
    """Deletes the account after "the dump", copies the journal off, restores the dump."""
    with pytest.raises(BackToTheDump):
        _delete_and_copy_the_journal_off(member, keep_posts=keep_posts, journal=journal)
    assert Member.objects.filter(pk=member.pk).exists()
    assert _traces_of_the_name()


def _reapply(journal: Path, since: datetime.datetime) -> str:
    out = StringIO()
    call_command("reapply_deletions", str(journal), "--since", since.isoformat(), stdout=out)
    return out.getvalue()


def test_reapplying_deletes_again_an_account_deleted_after_the_dump(
    story: Story, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.json"
    dumped_at = timezone.now()
    _delete_after_the_dump(story.leaver, keep_posts=False, journal=journal)

    output = _reapply(journal, since=dumped_at)

    assert "1 since the dump; deleted again 1, already gone 0, refused 0" in output
    assert not Member.objects.filter(pk=story.leaver.pk).exists()
    assert _traces_of_the_name() == []
    # With the choice they made: their words erased, tombstones in place.
    for post_id in (story.reply.pk, story.anonymous_reply.pk):
        post = Post.objects.get(pk=post_id)
        assert (post.author.pseudonym, post.body, post.is_deleted) == ("former member", "", True)
    assert Member.objects.filter(pk=story.stayer.pk).exists()
    assert "Thank you, former member!" in Post.objects.get(pk=story.quoting_reply.pk).body


def test_reapplying_keeps_the_posts_when_the_member_kept_them(story: Story, tmp_path: Path) -> None:
    journal = tmp_path / "journal.json"
    dumped_at = timezone.now()
    _delete_after_the_dump(story.leaver, keep_posts=True, journal=journal)

    _reapply(journal, since=dumped_at)

    assert _traces_of_the_name() == []
    reply = Post.objects.get(pk=story.reply.pk)
    assert (reply.author.pseudonym, reply.body) == ("former member", "Patience helped me.")
    assert Post.objects.get(pk=story.anonymous_reply.pk).is_anonymous


def test_reapplying_twice_deletes_nothing_more(story: Story, tmp_path: Path) -> None:
    journal = tmp_path / "journal.json"
    dumped_at = timezone.now()
    _delete_after_the_dump(story.leaver, keep_posts=False, journal=journal)
    _reapply(journal, since=dumped_at)
    members = Member.objects.count()

    output = _reapply(journal, since=dumped_at)

    assert "deleted again 0, already gone 1, refused 0" in output
    assert Member.objects.count() == members


def test_deletions_before_the_dump_are_not_replayed(story: Story, tmp_path: Path) -> None:
    journal = tmp_path / "journal.json"
    _delete_after_the_dump(story.leaver, keep_posts=False, journal=journal)

    output = _reapply(journal, since=timezone.now())

    assert "1 entries, 0 since the dump" in output
    assert Member.objects.filter(pk=story.leaver.pk).exists()


def test_a_newer_account_with_the_same_id_is_not_deleted(story: Story) -> None:
    # A restored database hands out ids again from the dump's sequence: the journal
    # matches the id together with the join time.
    someone_else = deletion_journal.JournalEntry(
        account_key=deletion_journal.account_key(
            story.leaver.pk, story.leaver.joined_at - datetime.timedelta(microseconds=1)
        ),
        key_check=deletion_journal.key_check(),
        deleted_at=timezone.now(),
        kept_posts=False,
    )

    replay = deletion_journal.reapply_account_deletions(entries=[someone_else], since=None)

    assert (replay.deleted, replay.already_gone) == (0, 1)
    assert Member.objects.filter(pk=story.leaver.pk).exists()


def test_a_journal_written_under_another_secret_is_refused_before_deleting_anything(
    story: Story, tmp_path: Path, settings: Settings
) -> None:
    journal = tmp_path / "journal.json"
    dumped_at = timezone.now()
    _delete_after_the_dump(story.leaver, keep_posts=False, journal=journal)
    settings.DELETION_JOURNAL_SECRET = "another secret"

    with pytest.raises(CommandError, match="another DELETION_JOURNAL_SECRET"):
        _reapply(journal, since=dumped_at)

    assert Member.objects.filter(pk=story.leaver.pk).exists()


def test_an_account_that_is_a_moderator_in_the_restored_copy_is_left_to_an_administrator(
    story: Story, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.json"
    dumped_at = timezone.now()
    _delete_after_the_dump(story.leaver, keep_posts=False, journal=journal)
    moderation_actions.make_moderator(member=story.leaver, by=None, reason="In the old copy")
    errors = StringIO()

    with pytest.raises(CommandError, match="an administrator must delete"):
        call_command(
            "reapply_deletions", str(journal), "--since", dumped_at.isoformat(), stderr=errors
        )

    assert f"account {story.leaver.pk} in this copy was not deleted" in errors.getvalue()


def test_the_journal_holds_nothing_that_names_the_member(
    story: Story, tmp_path: Path, settings: Settings
) -> None:
    leaver_id, joined_at = story.leaver.pk, story.leaver.joined_at
    actions.delete_account(member=story.leaver, keep_posts=True)

    row = AccountDeletion.objects.get()
    stored = [row.account_key, row.key_check, str(row.deleted_at), str(row.kept_posts)]
    assert not any(NAME.casefold() in value.casefold() for value in stored)
    assert str(leaver_id) != row.account_key
    # A keyed hash of the id and join time: without the secret it cannot be recomputed.
    assert row.account_key == deletion_journal.account_key(leaver_id, joined_at)
    settings.DELETION_JOURNAL_SECRET = "another secret"
    assert row.account_key != deletion_journal.account_key(leaver_id, joined_at)
    out = StringIO()
    call_command("export_deletion_journal", stdout=out)
    (entry,) = json.loads(out.getvalue())["entries"]
    assert set(entry) == {"account_key", "key_check", "deleted_at", "kept_posts"}
    assert NAME.casefold() not in out.getvalue().casefold()


def test_a_refused_deletion_leaves_no_journal_entry(make_member: Callable[..., Member]) -> None:
    moderator = make_member("CalmOwl")
    moderation_actions.make_moderator(member=moderator, by=None, reason="Helps out")

    with pytest.raises(ActionRefused):
        actions.delete_account(member=moderator, keep_posts=True)

    assert not AccountDeletion.objects.exists()


def test_smoke_check_renders_the_home_a_category_and_a_thread(story: Story) -> None:
    out = StringIO()
    call_command("smoke_check", stdout=out)
    assert "members 2, threads 1, posts 4" in out.getvalue()
    assert "home page /: 200" in out.getvalue()
    assert f"category page /c/{story.thread.category.slug}/: 200" in out.getvalue()
    assert f"thread page /t/{story.thread.pk}/: 200" in out.getvalue()


def test_smoke_check_fails_without_a_thread_to_show(db: None) -> None:
    with pytest.raises(CommandError, match="no thread a visitor can read"):
        call_command("smoke_check", stdout=StringIO())
