"""Ordinary signed-in use under load holds on every database: `finder serve` with 4 workers and
`finder scheduler` beside it, while staff block and unblock slots, a provider books and readers
list, open and export bookings and referrals. No answer is a 500, and the audit trail has an
event for every audited answer (bench/mixed_load.py prints the figures)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_site import started_server
from tests.mixed_load import READ_PATHS, LoadResult, run_mixed_load, scheduler_log

SECONDS = 8


@pytest.fixture(scope="module")
def loaded(live_database: tuple[str, Path]) -> Iterator[LoadResult]:
    with started_server(*live_database) as server:
        result = run_mixed_load(server, seconds=SECONDS, readers=6)
        if result.errors:
            print(server.tail(), scheduler_log(server))
    yield result


def test_no_answer_under_mixed_load_is_a_server_error(loaded: LoadResult) -> None:
    statuses = sorted({answer.status for answer in loaded.answers})
    assert not loaded.errors, f"{len(loaded.errors)} of {len(loaded.answers)}: {statuses}"


def test_every_kind_of_request_was_served_during_the_load(loaded: LoadResult) -> None:
    served = {answer.kind for answer in loaded.answers if answer.status < 300}
    assert set(READ_PATHS) | {"block", "unblock", "book"} <= served


def test_reads_all_succeed_while_others_write(loaded: LoadResult) -> None:
    reads = loaded.of(READ_PATHS)
    assert reads
    assert {answer.status for answer in reads} == {200}


def test_the_audit_trail_has_an_event_for_every_audited_answer(loaded: LoadResult) -> None:
    expected = loaded.expected_audit()
    assert sum(expected.values()) > 0
    for action, count in expected.items():
        assert loaded.audit_counts.get(action, 0) == count, action


def test_the_scheduler_sent_every_message_once_through_the_load(loaded: LoadResult) -> None:
    assert loaded.scheduler_alive
    assert loaded.mails == loaded.mails_due
