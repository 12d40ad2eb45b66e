"""After a restore: delete again every account the journal deleted since the dump.

    manage.py reapply_deletions journal.json --since 2026-11-21T18:00:00+00:00

Run against the restored database (DATABASE_URL), with the DELETION_JOURNAL_SECRET the
journal was written with. Idempotent: run twice, the second run deletes nothing.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forum import deletion_journal


def _aware(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("give the time with its offset, e.g. 2026-11-21T18:00:00+00:00")
    return moment


class Command(BaseCommand):
    help = "Re-apply the account deletions of a journal file to this database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("journal", type=Path, help="a file from export_deletion_journal")
        parser.add_argument(
            "--since",
            type=_aware,
            help="the dump's time; earlier entries are skipped (default: re-apply them all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = deletion_journal.loads(options["journal"].read_text(encoding="utf-8"))
            replay = deletion_journal.reapply_account_deletions(
                entries=entries, since=options["since"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"deletion journal: {len(entries)} entries, {replay.considered} since the dump; "
            f"deleted again {replay.deleted}, already gone {replay.already_gone}, "
            f"refused {len(replay.refused)}"
        )
        for member_id, reason in replay.refused:
            self.stderr.write(f"account {member_id} in this copy was not deleted: {reason}")
        if replay.refused:
            raise CommandError("an administrator must delete the accounts above")
