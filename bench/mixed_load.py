"""Signed-in reads while staff block and unblock slots, a provider books and the scheduler
mails reminders: `finder serve --workers 4` and `finder scheduler` on one database. Prints
requests, rates, p50/p99 latency and status counts per kind, the 500s, and whether the audit
trail holds one event for every audited answer.

Run: .venv/bin/python bench/mixed_load.py [--database sqlite|postgresql|both] [--seconds 20]
         [--readers 6] [--workers 4]
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import LiveServer, fresh_postgres_database, running
from tests.mixed_load import READ_PATHS, LoadResult, run_mixed_load


def report(result: LoadResult) -> None:
    print(f"\n{result.database}: {result.seconds:.0f} s, {len(result.answers)} requests")
    print(result.row("reads", READ_PATHS))
    print(result.row("writes", ("block", "unblock", "book")))
    print(f"500s: {len(result.errors)}   mails delivered: {result.mails} of {result.mails_due}")
    expected, found = result.expected_audit(), result.audit_counts
    missing = {a: n - found.get(a, 0) for a, n in expected.items() if found.get(a, 0) < n}
    print(f"audit: {sum(expected.values())} audited answers, missing events: {missing or 0}")


def measure(database: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        if database == "sqlite":
            url = f"sqlite:///{workdir / 'finder.db'}"
            server = LiveServer(url, workdir, workers=args.workers)
            server.init_db()
            with running(server):
                report(run_mixed_load(server, seconds=args.seconds, readers=args.readers))
        else:
            with fresh_postgres_database() as url:
                server = LiveServer(url, workdir, workers=args.workers)
                server.init_db()
                with running(server):
                    report(run_mixed_load(server, seconds=args.seconds, readers=args.readers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    for database in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        measure(database, args)


if __name__ == "__main__":
    main()
