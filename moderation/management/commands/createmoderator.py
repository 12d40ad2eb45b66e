"""manage.py createmoderator <pseudonym>: an operator makes a member a moderator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forum.exceptions import ActionRefused
from forum.models import Member
from moderation import actions


def find_member(pseudonym: str) -> Member:
    try:
        return Member.objects.get_by_natural_key(pseudonym)
    except Member.DoesNotExist:
        raise CommandError(
            f"No member is called “{pseudonym}”. They sign up on the site first; check "
            "the spelling of the pseudonym."
        ) from None


class Command(BaseCommand):
    help = "Make a member a moderator (they set up two-factor sign-in on their first visit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pseudonym", help="the member's pseudonym")

    def handle(self, *args: Any, **options: Any) -> None:
        member = find_member(options["pseudonym"])
        try:
            actions.make_moderator(
                member=member, by=None, reason="made a moderator from the command line"
            )
        except ActionRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            self.style.SUCCESS(f"{member.pseudonym} is now a moderator.")
            + "\nOn their first visit to /moderation/ they must set up two-factor sign-in "
            "with an authenticator app; the moderation pages stay closed to them until they do."
        )
