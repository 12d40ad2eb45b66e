"""The soak harness's bookkeeping: was every accepted reply stored once and seen by every reader?

Pure functions over plain records, with no server, database or socket, so that the test
suite can feed them a deliberately lossy fake (tests/test_soak_accounting.py) and show
that a lost, doubled or undelivered reply is caught. bench/soak.py fills the records from
its HTTP posters, its WebSocket readers and a query of the database.

Times are CLOCK_MONOTONIC seconds (time.monotonic()), one clock for every process on the
host.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AcceptedReply:
    """A reply the server accepted: its form was answered with a redirect to the post.

    A form sent twice (a double click) gives two records with the same marker.
    """

    marker: str
    thread_id: int
    post_id: int
    accepted_at: float


@dataclass
class ReaderLog:
    """What one WebSocket reader of a thread had, and when it first had it."""

    thread_id: int
    live: dict[int, float] = field(default_factory=dict)  # post id → delivered on the socket
    caught_up: dict[int, float] = field(default_factory=dict)  # post id → fetched by ?after=

    def had_at(self, post_id: int) -> float | None:
        times = [t for t in (self.live.get(post_id), self.caught_up.get(post_id)) if t is not None]
        return min(times) if times else None


@dataclass
class Accounting:
    accepted: int  # distinct replies the server accepted
    double_posts: int  # replies whose form was accepted twice (same marker)
    lost: list[str]  # accepted, not in the database
    duplicated: list[str]  # accepted, in the database more than once
    split: list[str]  # one form answered with two different posts
    unacknowledged: list[str]  # in the database, but no accepted answer reached the poster
    deliveries_expected: int
    delivered_live: int
    caught_up_only: int
    undelivered: list[tuple[int, int]]  # (reader index, post id)
    fanout_ms: list[float]  # accepted → socket delivery, every live delivery

    @property
    def missing_deliveries(self) -> int:
        return len(self.undelivered)


def account(
    accepted: Iterable[AcceptedReply],
    stored: Mapping[str, Sequence[int]],
    readers: Sequence[ReaderLog],
) -> Accounting:
    """Check each accepted reply against the database rows and every reader of its thread.

    `stored` maps each marker found in the database to the ids of the posts holding it
    (every marker the harness wrote, accepted or not).
    """
    answers: dict[str, list[AcceptedReply]] = defaultdict(list)
    for reply in accepted:
        answers[reply.marker].append(reply)
    lost = sorted(marker for marker in answers if not stored.get(marker))
    duplicated = sorted(marker for marker, ids in stored.items() if len(ids) > 1)
    split = sorted(
        marker for marker, replies in answers.items() if len({r.post_id for r in replies}) > 1
    )
    unacknowledged = sorted(
        marker for marker, ids in stored.items() if ids and marker not in answers
    )

    by_thread: dict[int, list[AcceptedReply]] = defaultdict(list)
    for replies in answers.values():
        # The first answer is when the reply was accepted; a second one only repeats it.
        by_thread[replies[0].thread_id].append(min(replies, key=lambda r: r.accepted_at))
    expected = live = caught_up_only = 0
    undelivered: list[tuple[int, int]] = []
    fanout_ms: list[float] = []
    for index, reader in enumerate(readers):
        for reply in by_thread.get(reader.thread_id, ()):
            expected += 1
            delivered = reader.live.get(reply.post_id)
            if delivered is not None:
                live += 1
                fanout_ms.append((delivered - reply.accepted_at) * 1000)
            elif reply.post_id in reader.caught_up:
                caught_up_only += 1
            else:
                undelivered.append((index, reply.post_id))
    return Accounting(
        accepted=len(answers),
        double_posts=sum(1 for replies in answers.values() if len(replies) > 1),
        lost=lost,
        duplicated=duplicated,
        split=split,
        unacknowledged=unacknowledged,
        deliveries_expected=expected,
        delivered_live=live,
        caught_up_only=caught_up_only,
        undelivered=undelivered,
        fanout_ms=fanout_ms,
    )


def catch_up_seconds(
    accepted: Iterable[AcceptedReply],
    readers: Sequence[ReaderLog],
    *,
    since: float,
    until: float,
) -> list[float]:
    """For replies accepted while a fault lasted (`since`…`until`): how long after the
    fault ended each reader of the thread had each one (0 when it had it before the end).

    A reply a reader never had counts as never (infinity); `account` counts it as
    undelivered too.
    """
    during = {}
    for reply in accepted:
        if since <= reply.accepted_at <= until:
            during.setdefault(reply.marker, reply)
    lags = []
    for reader in readers:
        for reply in during.values():
            if reply.thread_id != reader.thread_id:
                continue
            had = reader.had_at(reply.post_id)
            lags.append(math.inf if had is None else max(0.0, had - until))
    return lags
