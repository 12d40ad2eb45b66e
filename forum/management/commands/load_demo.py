"""Fill a fresh database with the demo content of forum/demo_content.py.

Everything is written through the real actions, so each post's HTML comes from
forum.markup like any other. Afterwards the timestamps are spread over the past months
so the site looks lived-in. The whole load is one transaction: if anything fails,
nothing is left behind.

Demo members get random passwords that are neither printed nor stored anywhere but in
their (hashed) accounts; nobody can sign in as them.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from forum import actions
from forum.demo_content import JOURNEYS, MEMBERS, THREADS, DemoPost
from forum.models import Category, JourneyEntry, Member, Post, PostRevision, Thread
from forum.pseudonyms import pseudonym_key, validate_pseudonym

# The shortest time between two posts of a thread.
MIN_GAP = timedelta(minutes=4)
# Nothing is dated closer to the moment of loading than this.
FRESHEST = timedelta(hours=2)


@dataclass(frozen=True)
class PlannedPost:
    """One post of the demo, with the time it will claim to have been written."""

    at: datetime
    thread_index: int
    # None for the thread's opening post.
    reply_index: int | None
    demo: DemoPost
    # When its edit is dated, if the demo post is edited.
    edited_at: datetime | None


def plan_posts(now: datetime) -> list[PlannedPost]:
    """Every demo post with its date, oldest first. The same every run, relative to now."""
    planned: list[PlannedPost] = []
    for thread_index, thread in enumerate(THREADS):
        # Timestamps for demo content, not secrets: a seeded generator keeps them the same
        # on every run.
        rng = random.Random(f"own-pace-demo:{thread_index}")  # noqa: S311
        start = now - timedelta(days=thread.started_days_ago, minutes=rng.randint(0, 240))
        window = min(timedelta(days=thread.replies_within_days), now - FRESHEST - start)
        times = [start]
        # Skewed towards the start: a conversation is busiest in its first days.
        for fraction in sorted(rng.random() ** 1.5 for _ in thread.replies):
            times.append(max(start + window * fraction, times[-1] + MIN_GAP))
        for reply_index, (at, demo) in enumerate(
            zip(times, (thread.opening, *thread.replies), strict=True)
        ):
            edited_at = None
            if demo.added_in_edit:
                edited_at = min(at + timedelta(minutes=rng.randint(40, 360)), now - FRESHEST)
            planned.append(
                PlannedPost(
                    at=at,
                    thread_index=thread_index,
                    reply_index=reply_index - 1 if reply_index else None,
                    demo=demo,
                    edited_at=edited_at,
                )
            )
    # Made in date order, so ids follow dates across the whole site as they would live.
    planned.sort(key=lambda post: (post.at, post.thread_index))
    return planned


class Command(BaseCommand):
    help = "Load the demo members, threads and replies (for a fresh database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any member exists already.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Member.objects.exists():
            self.stdout.write("Members already exist, so the demo content was not loaded.")
            return
        categories = self._check_ready()
        # The demo members write months of posts in a second: the posting limits, meant
        # for people typing, stand aside for the load (they are read at each post).
        with transaction.atomic(), override_settings(RATE_LIMITS=False):
            replies = self._load(categories)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded demo content: {len(MEMBERS)} members, {len(THREADS)} threads, "
                f"{replies} replies."
            )
        )

    def _check_ready(self) -> dict[str, Category]:
        for demo_member in MEMBERS:
            try:
                validate_pseudonym(demo_member.pseudonym)
            except ValidationError as error:
                raise CommandError(
                    f"Demo pseudonym {demo_member.pseudonym!r} is not allowed: "
                    f"{' '.join(error.messages)}"
                ) from error
        taken = Member.objects.filter(
            pseudonym_key__in=[pseudonym_key(m.pseudonym) for m in MEMBERS]
        ).values_list("pseudonym", flat=True)
        if taken:
            raise CommandError(
                "The demo content seems to be loaded already: "
                f"{', '.join(sorted(taken))} exist. Nothing was changed."
            )
        slugs = {thread.category for thread in THREADS}
        categories = Category.objects.in_bulk(slugs, field_name="slug")
        if missing := slugs - set(categories):
            raise CommandError(
                f"Missing categories {', '.join(sorted(missing))}: run `manage.py migrate`."
            )
        return categories

    def _load(self, categories: dict[str, Category]) -> int:
        now = timezone.now()
        members = {
            demo_member.pseudonym: actions.register_member(
                pseudonym=demo_member.pseudonym,
                password=secrets.token_urlsafe(32),
                trust_level=demo_member.trust_level,
            )[0]
            for demo_member in MEMBERS
        }
        threads: dict[int, Thread] = {}
        dated: list[tuple[Post, PlannedPost]] = []
        for planned in plan_posts(now):
            demo_thread = THREADS[planned.thread_index]
            author = members[planned.demo.author]
            if planned.reply_index is None and demo_thread.title in JOURNEYS:
                thread = actions.start_journey(
                    author=author, title=demo_thread.title, body=planned.demo.body
                ).thread
                threads[planned.thread_index] = thread
                post = Post.objects.get(thread=thread)
            elif planned.reply_index is None:
                thread = actions.start_thread(
                    author=author,
                    category=categories[demo_thread.category],
                    title=demo_thread.title,
                    body=planned.demo.body,
                )
                threads[planned.thread_index] = thread
                post = Post.objects.get(thread=thread)
            else:
                post = actions.post_reply(
                    author=author, thread=threads[planned.thread_index], body=planned.demo.body
                )
            if planned.demo.added_in_edit:
                post = actions.edit_post(
                    editor=author,
                    post=post,
                    body=f"{planned.demo.body}\n\n{planned.demo.added_in_edit}",
                )
            dated.append((post, planned))
        self._backdate(members, threads, dated)
        self._add_journey_entries(members, threads, now)
        return sum(len(thread.replies) for thread in THREADS)

    def _add_journey_entries(
        self, members: dict[str, Member], threads: dict[int, Thread], now: datetime
    ) -> None:
        for index, demo_thread in enumerate(THREADS):
            entries = JOURNEYS.get(demo_thread.title, ())
            for demo_entry in entries:
                journey = threads[index].journey
                day = (now - timedelta(days=demo_entry.days_ago)).date()
                entry = actions.add_journey_entry(
                    author=members[demo_thread.opening.author],
                    journey=journey,
                    happened_on=day,
                    milestone=demo_entry.milestone,
                    dilator_size=demo_entry.dilator_size,
                    comfort=demo_entry.comfort,
                    shares_comfort=demo_entry.shares_comfort,
                    note=demo_entry.note,
                    is_shared=demo_entry.is_shared,
                )
                # Written on the day it tells of, as if kept live.
                JourneyEntry.objects.filter(pk=entry.pk).update(
                    created_at=now - timedelta(days=demo_entry.days_ago)
                )

    def _backdate(
        self,
        members: dict[str, Member],
        threads: dict[int, Thread],
        dated: list[tuple[Post, PlannedPost]],
    ) -> None:
        first_post_at: dict[str, datetime] = {}
        started_at: dict[int, datetime] = {}
        last_post_at: dict[int, datetime] = {}
        for post, planned in dated:
            Post.objects.filter(pk=post.pk).update(
                created_at=planned.at, edited_at=planned.edited_at
            )
            if planned.edited_at is not None:
                PostRevision.objects.filter(post=post).update(written_at=planned.at)
            first_post_at.setdefault(planned.demo.author, planned.at)
            started_at.setdefault(planned.thread_index, planned.at)
            last_post_at[planned.thread_index] = planned.at
        for index, thread in threads.items():
            Thread.objects.filter(pk=thread.pk).update(
                created_at=started_at[index],
                last_posted_at=last_post_at[index],
                is_pinned=THREADS[index].is_pinned,
            )
        for position, (pseudonym, member) in enumerate(members.items()):
            # Each member joined a little while before they first posted.
            first = first_post_at.get(pseudonym, started_at[0])
            joined_at = first - timedelta(days=1 + position % 4, hours=3)
            Member.objects.filter(pk=member.pk).update(joined_at=joined_at)
