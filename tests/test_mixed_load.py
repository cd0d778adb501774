"""Ordinary signed-in use under load holds on every database: `finder serve` with 4 workers and
`finder scheduler` beside it, while staff block and unblock slots, a provider books and readers
list, open and export bookings and referrals. No answer is a 500, and the audit trail has an
event for every audited answer (bench/mixed_load.py prints the figures)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.live_server import LiveServer, ServerFailed
from tests.mixed_load import READ_PATHS, LoadResult, run_mixed_load, scheduler_log

SECONDS = 8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadResult]:
    workdir = tmp_path_factory.mktemp(f"load-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'finder.db'}"
    else:
        url = request.getfixturevalue("bare_postgres_database")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    server = LiveServer(url, workdir, workers=4)
    try:
        server.init_db()
        server.start()
        result = run_mixed_load(server, seconds=SECONDS, readers=6)
    except ServerFailed as error:
        pytest.fail(f"{error}\n{server.tail()}")
    finally:
        server.stop()
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
