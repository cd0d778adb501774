"""`make bench`: every figure the issue tracker holds us to, against its naive baseline in the
same run, printed as one table and written as JSON under bench/results/.

The benchmarks run one after another (never in parallel: they would measure each other).
Run: .venv/bin/python bench/all.py [--quick]  (--quick: 1,000 reminders, fewer searches)
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import page_render, reminder_drain, search_speed
from bench.figures import table, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a try-out")
    args = parser.parse_args()
    figures = []
    print("== search_speed", flush=True)
    figures += search_speed.figures(
        synthetic=20_000 if args.quick else 100_000, http_rounds=100 if args.quick else 300
    )
    print("\n== page_render", flush=True)
    figures += page_render.figures()
    print("\n== reminder_drain", flush=True)
    # The naive baseline drains 2,000 (its rate does not change with the burst; 10,000 would
    # take it some 15 minutes on this machine): its drain time is scaled, and said to be.
    figures += reminder_drain.figures(
        count=1_000 if args.quick else 10_000, naive_count=1_000 if args.quick else 2_000
    )
    print()
    print(table(figures))
    if not args.quick:
        print(f"\nwritten to {write(figures).relative_to(Path.cwd())}")


if __name__ == "__main__":
    main()
