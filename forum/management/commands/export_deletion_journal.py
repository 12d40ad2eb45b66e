"""Write the account-deletion journal to a file, for a restore to replay.

Run it on a timer (every few minutes) to storage that does not share the database's
fate: a deletion made after the last copy and before the database was lost would come
back with a restore (README, "Backups"). The file names no one (forum.deletion_journal).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from forum import deletion_journal


class Command(BaseCommand):
    help = "Write the account-deletion journal as JSON (to --output, or to standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="the file to write (replaced whole)")

    def handle(self, *args: Any, **options: Any) -> None:
        text = deletion_journal.dumps(deletion_journal.journal_entries())
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text)
            return
        # Written beside the target and renamed over it: a copy cut short never replaces
        # the last good one.
        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
