"""The soak harness's bookkeeping (bench/soak_accounting.py) catches what it must catch.

The harness runs outside the suite; its counting runs here, against a deliberately
lossy fake: a reply the database never kept, one it kept twice, a double-posted form
answered with two posts, and a reader that missed a reply.
"""

import math

from bench.soak_accounting import AcceptedReply, ReaderLog, account, catch_up_seconds


def _reply(marker: str, post_id: int, *, thread_id: int = 1, at: float = 10.0) -> AcceptedReply:
    return AcceptedReply(marker=marker, thread_id=thread_id, post_id=post_id, accepted_at=at)


def _honest_run() -> tuple[list[AcceptedReply], dict[str, list[int]], list[ReaderLog]]:
    accepted = [_reply("m1", 101), _reply("m2", 102), _reply("m3", 201, thread_id=2)]
    stored = {"m1": [101], "m2": [102], "m3": [201]}
    readers = [
        ReaderLog(thread_id=1, live={101: 10.05, 102: 10.02}),
        ReaderLog(thread_id=1, live={101: 10.01}, caught_up={102: 14.0}),
        ReaderLog(thread_id=2, live={201: 10.03}),
    ]
    return accepted, stored, readers


def test_account_finds_nothing_wrong_in_an_honest_run() -> None:
    accepted, stored, readers = _honest_run()

    result = account(accepted, stored, readers)

    assert result.accepted == 3
    assert (result.lost, result.duplicated, result.split, result.unacknowledged) == ([], [], [], [])
    assert result.deliveries_expected == 5
    assert result.delivered_live == 4
    assert result.caught_up_only == 1
    assert result.undelivered == []
    assert sorted(round(ms) for ms in result.fanout_ms) == [10, 20, 30, 50]


def test_account_counts_a_reply_the_database_lost() -> None:
    accepted, stored, readers = _honest_run()
    del stored["m2"]

    result = account(accepted, stored, readers)

    assert result.lost == ["m2"]
    assert result.duplicated == []


def test_account_counts_a_reply_stored_twice() -> None:
    accepted, stored, readers = _honest_run()
    stored["m1"] = [101, 103]

    result = account(accepted, stored, readers)

    assert result.duplicated == ["m1"]
    assert result.lost == []


def test_account_counts_a_double_post_answered_with_two_posts() -> None:
    accepted, stored, readers = _honest_run()
    accepted.append(_reply("m1", 104, at=10.2))

    result = account(accepted, stored, readers)

    assert result.accepted == 3
    assert result.double_posts == 1
    assert result.split == ["m1"]


def test_account_accepts_a_double_post_answered_with_the_same_post() -> None:
    accepted, stored, readers = _honest_run()
    accepted.append(_reply("m1", 101, at=10.2))

    result = account(accepted, stored, readers)

    assert result.double_posts == 1
    assert result.split == []
    # The reply counts once per reader, timed from its first acceptance.
    assert result.deliveries_expected == 5
    assert sorted(round(ms) for ms in result.fanout_ms) == [10, 20, 30, 50]


def test_account_counts_a_reader_that_missed_a_reply() -> None:
    accepted, stored, readers = _honest_run()
    del readers[1].caught_up[102]

    result = account(accepted, stored, readers)

    assert result.undelivered == [(1, 102)]
    assert result.missing_deliveries == 1


def test_account_does_not_expect_replies_of_other_threads() -> None:
    accepted, stored, readers = _honest_run()
    readers.append(ReaderLog(thread_id=3))

    result = account(accepted, stored, readers)

    assert result.undelivered == []


def test_account_reports_a_stored_reply_whose_answer_never_arrived() -> None:
    accepted, stored, readers = _honest_run()
    stored["m9"] = [109]

    result = account(accepted, stored, readers)

    assert result.unacknowledged == ["m9"]
    assert result.lost == []


def test_catch_up_seconds_measures_from_the_end_of_the_fault() -> None:
    accepted = [_reply("before", 1, at=5.0), _reply("during", 2, at=12.0)]
    readers = [
        ReaderLog(thread_id=1, live={1: 5.1}, caught_up={2: 23.5}),
        ReaderLog(thread_id=1, live={1: 5.1, 2: 12.1}),
        ReaderLog(thread_id=1),
    ]

    lags = catch_up_seconds(accepted, readers, since=10.0, until=20.0)

    assert sorted(lags) == [0.0, 3.5, math.inf]
