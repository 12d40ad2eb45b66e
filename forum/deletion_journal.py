"""The account-deletion journal: a restore from backup must never bring a deleted member back.

forum.actions.delete_account records every deletion as a forum.models.AccountDeletion row in
its own transaction. After restoring a dump, every deletion the journal holds from the
dump's time on is made again, through delete_account with the same choice about the posts.

Who the row names: an account is recognised by HMAC-SHA256(DELETION_JOURNAL_SECRET,
"<id>:<joined at>"), never by its pseudonym or plain id. Ids are small integers (a plain
hash of one is reversed by trying them all), the moderation log labels members by id and
any old backup maps ids to pseudonyms, so with plain ids whoever holds the backups and the
journal would learn who left and when. The join time keeps an id that a restored database
hands out again (its sequence goes back to the dump's) from matching a newer account.

The journal must be copied off the database to be of use when the database is lost: the
drill (bench/restore_drill.sh) reads it from the live database, and production runs
`manage.py export_deletion_journal` on a timer to storage that does not share the
database's fate (README, "Backups").
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from forum.exceptions import ActionRefused
from forum.models import AccountDeletion, Member

FORMAT = "own-pace-deletion-journal/1"


def _hmac(message: str) -> str:
    key = str(settings.DELETION_JOURNAL_SECRET).encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def account_key(member_id: int, joined_at: datetime.datetime) -> str:
    joined = joined_at.astimezone(datetime.UTC).isoformat()
    return _hmac(f"{member_id}:{joined}")


def key_check() -> str:
    """Tells journals written under the current secret from others, revealing nothing of it."""
    return _hmac("own-pace-deletion-journal key check")[:16]


def record_deletion(*, member: Member, kept_posts: bool, at: datetime.datetime) -> None:
    """Called by delete_account inside its transaction: the entry stands or falls with it."""
    AccountDeletion.objects.create(
        account_key=account_key(member.pk, member.joined_at),
        key_check=key_check(),
        deleted_at=at,
        kept_posts=kept_posts,
    )


@dataclass(frozen=True)
class JournalEntry:
    account_key: str
    key_check: str
    deleted_at: datetime.datetime
    kept_posts: bool


def journal_entries() -> list[JournalEntry]:
    """The whole journal of this database, oldest first."""
    rows = AccountDeletion.objects.order_by("deleted_at", "pk")
    return [
        JournalEntry(row.account_key, row.key_check, row.deleted_at, row.kept_posts) for row in rows
    ]


def dumps(entries: Sequence[JournalEntry]) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "entries": [
                {
                    "account_key": entry.account_key,
                    "key_check": entry.key_check,
                    "deleted_at": entry.deleted_at.isoformat(),
                    "kept_posts": entry.kept_posts,
                }
                for entry in entries
            ],
        },
        indent=1,
    )


def loads(text: str) -> list[JournalEntry]:
    document: dict[str, Any] = json.loads(text)
    if document.get("format") != FORMAT:
        raise ValueError(f"not a deletion journal of format {FORMAT}")
    return [
        JournalEntry(
            account_key=str(item["account_key"]),
            key_check=str(item["key_check"]),
            deleted_at=datetime.datetime.fromisoformat(item["deleted_at"]),
            kept_posts=bool(item["kept_posts"]),
        )
        for item in document["entries"]
    ]


@dataclass
class Replay:
    """What re-applying a journal did; refused holds the restored copy's ids of accounts
    delete_account would not delete (a moderator then), for an administrator."""

    considered: int = 0
    deleted: int = 0
    already_gone: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def reapply_account_deletions(
    *, entries: Iterable[JournalEntry], since: datetime.datetime | None
) -> Replay:
    """Delete again, in this database, every account the journal deleted from `since` on.

    Idempotent: an entry whose account is not here (deleted before the dump, or made after
    it) is counted as already gone. Each deletion is its own delete_account transaction.
    Raises ValueError, before deleting anything, when an entry was written under another
    DELETION_JOURNAL_SECRET: it could match nothing, and its member would come back.
    """
    # forum.actions records deletions here: imported on use, not at load.
    from forum.actions import delete_account

    due = sorted(
        (entry for entry in entries if since is None or entry.deleted_at >= since),
        key=lambda entry: entry.deleted_at,
    )
    foreign = sum(1 for entry in due if entry.key_check != key_check())
    if foreign:
        raise ValueError(
            f"{foreign} journal entries were written under another DELETION_JOURNAL_SECRET; "
            "run this with the secret they were written with."
        )
    here = {
        account_key(member_id, joined_at): member_id
        for member_id, joined_at in Member.objects.values_list("pk", "joined_at")
    }
    replay = Replay(considered=len(due))
    for entry in due:
        member_id = here.pop(entry.account_key, None)
        if member_id is None:
            replay.already_gone += 1
            continue
        try:
            delete_account(member=Member.objects.get(pk=member_id), keep_posts=entry.kept_posts)
        except ActionRefused as refusal:
            replay.refused.append((member_id, str(refusal)))
        else:
            replay.deleted += 1
    return replay
