"""manage.py settrust <pseudonym> <new|member|trusted> [--unlock]: an operator sets a
member's trust level. The level is locked (the automatic promotion leaves it alone)
unless --unlock is given. Logged like a moderator's change, with no moderator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forum.exceptions import ActionRefused
from forum.models import TrustLevel
from moderation import actions
from moderation.management.commands.createmoderator import find_member


class Command(BaseCommand):
    help = "Set a member's trust level (locked unless --unlock)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pseudonym", help="the member's pseudonym")
        parser.add_argument("level", help=f"one of: {', '.join(TrustLevel.values)}")
        parser.add_argument(
            "--unlock",
            action="store_true",
            help="let the automatic promotion change the level later",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        level = options["level"].strip().lower()
        if level not in TrustLevel.values:
            raise CommandError(
                f"Unknown trust level “{options['level']}”: choose one of "
                f"{', '.join(TrustLevel.values)}."
            )
        member = find_member(options["pseudonym"])
        locked = not options["unlock"]
        try:
            actions.set_trust_level(
                moderator=None,
                member=member,
                level=level,
                locked=locked,
                reason="set from the command line",
            )
        except ActionRefused as refusal:
            raise CommandError(str(refusal)) from None
        state = (
            "locked: the automatic promotion leaves it alone"
            if locked
            else "unlocked: the automatic promotion may raise it later"
        )
        self.stdout.write(self.style.SUCCESS(f"{member.pseudonym} is now “{level}” ({state})."))
