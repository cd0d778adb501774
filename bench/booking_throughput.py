"""Booking throughput under contention against the real server (`finder serve`, gunicorn sync
workers), next to a trivial endpoint of the same server (`GET /api/v1/rules`) at the same
concurrency: requests per second and p50/p99 latency, per database.

Several clients go for each slot at once (--per-slot), so most booking requests lose (409);
every slot must end with exactly one booking. Each request is on a fresh connection.

Run: .venv/bin/python bench/booking_throughput.py [--database sqlite|postgresql|both]
         [--workers 4] [--requests 400] [--concurrency 16] [--per-slot 4]
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import (
    LiveServer,
    Response,
    ServerFailed,
    call,
    fresh_postgres_database,
    running,
)
from tests.live_site import Site, set_up_site, whole_days

SLOT_MINUTES = 10  # 143 slots a day per center


@dataclass
class Run:
    label: str
    answers: list[Response]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.answers) / self.seconds

    def percentile(self, fraction: float) -> float:
        latencies = sorted(answer.seconds for answer in self.answers)
        if len(latencies) == 1:
            return latencies[0] * 1000
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        return cuts[round(fraction * 100) - 1] * 1000

    def row(self) -> str:
        counts = Counter(answer.status for answer in self.answers)
        shown = " ".join(f"{status}:{count}" for status, count in sorted(counts.items()))
        return (
            f"{self.label:<22} {len(self.answers):>8} {self.per_second:>9.1f} "
            f"{self.percentile(0.5):>8.1f} {self.percentile(0.99):>8.1f}   {shown}"
        )


def timed(label: str, jobs: list[Any], send: Any, concurrency: int) -> Run:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(send, jobs))
    return Run(label, answers, time.perf_counter() - started)


def booking_slots(site: Site, count: int) -> list[dict[str, Any]]:
    """`count` free slots from tomorrow on, over as many of the site's centers as it takes."""
    slots: list[dict[str, Any]] = []
    days = 7
    for center in site.centers:
        site.set_availability(
            center, whole_days(capacity=1, slot_minutes=SLOT_MINUTES, horizon_days=days + 1)
        )
        slots += [slot for slot in site.slots_ahead(center, days=days) if slot["remaining"] == 1]
        if len(slots) >= count:
            return slots[:count]
    raise ServerFailed(f"only {len(slots)} free slots for {count} wanted")


def measure(database: str, url: str, args: argparse.Namespace, workdir: Path) -> list[Run]:
    server = LiveServer(url, workdir / database, workers=args.workers)
    server.init_db()
    with running(server):
        site = set_up_site(server, centers=3)
        slot_count = max(1, args.requests // args.per_slot)
        slots = booking_slots(site, slot_count)
        # Consecutive jobs go for the same slot, so they are in flight together.
        bodies = [site.booking_body(slot["id"]) for slot in slots for _ in range(args.per_slot)]
        bodies = bodies[: args.requests]

        def book(body: dict[str, Any]) -> Response:
            return call(site.base_url, "POST", "/api/v1/bookings", body, token=site.provider_token)

        def rules(_: int) -> Response:
            return call(site.base_url, "GET", "/api/v1/rules")

        call(site.base_url, "GET", "/api/v1/rules")  # every worker has answered something
        bookings = timed("POST /bookings", bodies, book, args.concurrency)
        trivial = timed("GET /rules", list(range(len(bodies))), rules, args.concurrency)
        won = Counter(answer.body["slot_id"] for answer in bookings.answers if answer.status == 201)
        overbooked = [slot for slot, count in won.items() if count > 1]
        unbooked = len(slots) - len(won)
        today = date.today()
        stored = Counter(
            booking["slot_id"]
            for center in site.centers
            for booking in site.center_bookings(center, today, today + timedelta(days=9))
            if booking.get("status") == "booked"
        )
        print(
            f"\n{database}: {args.workers} gunicorn workers, {len(bodies)} requests each, "
            f"concurrency {args.concurrency}, {args.per_slot} clients per slot "
            f"({len(slots)} slots)"
        )
        print(f"{'':<22} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}   statuses")
        for run in (bookings, trivial):
            print(run.row())
        print(
            f"slots won (201): {len(won)}, overbooked: {len(overbooked)}, left free: {unbooked}; "
            f"bookings stored: {sum(stored.values())}, slots holding more than one: "
            f"{sum(1 for count in stored.values() if count > 1)}"
        )
        errors = [a for run in (bookings, trivial) for a in run.answers if a.status >= 500]
        if errors:
            print(f"5xx answers: {len(errors)}, e.g. {errors[0]!r}\n{server.tail(30)}")
        return [bookings, trivial]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400, help="booking requests per database")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--per-slot", type=int, default=4, help="clients going for each slot")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    with tempfile.TemporaryDirectory(prefix="booking-bench-") as scratch:
        workdir = Path(scratch)
        for database in databases:
            try:
                if database == "sqlite":
                    measure(database, f"sqlite:///{workdir / 'finder.db'}", args, workdir)
                else:
                    with fresh_postgres_database() as url:
                        measure(database, url, args, workdir)
            except ServerFailed as error:
                print(f"\n{database}: {error}", file=sys.stderr)
                sys.exit(1)


if __name__ == "__main__":
    main()
