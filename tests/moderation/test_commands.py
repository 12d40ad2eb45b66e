"""The operators' commands: createmoderator and settrust."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from forum.models import Member, TrustLevel
from moderation.models import LogEntry


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_createmoderator_promotes_logs_and_mentions_two_factor(
    make_member: Callable[..., Member],
) -> None:
    member = make_member("SteadyFern")

    output = run("createmoderator", "steadyfern")

    assert Member.objects.get(pk=member.pk).has_perm("moderation.moderate")
    assert "SteadyFern is now a moderator" in output
    assert "two-factor" in output
    assert "/moderation/" in output
    row = LogEntry.objects.get()
    assert (row.action, row.moderator, row.member_id) == ("make_moderator", None, member.pk)
    assert row.reason == "made a moderator from the command line"


def test_createmoderator_refuses_an_unknown_member(db: None) -> None:
    with pytest.raises(CommandError, match="No member is called “Nobody”"):
        run("createmoderator", "Nobody")
    assert not LogEntry.objects.exists()


def test_createmoderator_refuses_a_moderator(make_moderator: Callable[..., Member]) -> None:
    moderator = make_moderator("CalmOwl")
    with pytest.raises(CommandError, match="already a moderator"):
        run("createmoderator", moderator.pseudonym)


def test_settrust_sets_and_locks_by_default(make_member: Callable[..., Member]) -> None:
    member = make_member("SteadyFern", trust=TrustLevel.NEW)

    output = run("settrust", "SteadyFern", "trusted")

    member.refresh_from_db()
    assert (member.trust_level, member.trust_locked) == (TrustLevel.TRUSTED, True)
    assert "locked" in output
    row = LogEntry.objects.get()
    assert (row.action, row.moderator, row.reason) == (
        "set_trust_level",
        None,
        "set from the command line",
    )


def test_settrust_unlock_leaves_promotion_automatic(make_member: Callable[..., Member]) -> None:
    member = make_member("SteadyFern")
    run("settrust", "SteadyFern", "NEW", "--unlock")
    member.refresh_from_db()
    assert (member.trust_level, member.trust_locked) == (TrustLevel.NEW, False)


def test_settrust_refuses_an_unknown_level(make_member: Callable[..., Member]) -> None:
    make_member("SteadyFern")
    with pytest.raises(CommandError, match="Unknown trust level “admin”: choose one of new"):
        run("settrust", "SteadyFern", "admin")
    assert not LogEntry.objects.exists()


def test_settrust_refuses_an_unknown_member(db: None) -> None:
    with pytest.raises(CommandError, match="No member is called"):
        run("settrust", "Nobody", "member")
