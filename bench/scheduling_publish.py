"""Serving the SMART Scheduling Links publication for every real center's whole horizon, next
to a trivial endpoint (`/healthz`), in one run: an aggregator's poll when the publication is
already built (every file a full 200), the manifest and the whole poll answered 304 by the
ETag, and the publication built from the database (the cache emptied before every request).
The cached rows say so only if no request rebuilt the publication; otherwise the run says
which row did (time alone can make a slot's status change: the notice window reaching it).

Run: .venv/bin/python bench/scheduling_publish.py
"""

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder.app import create_app
from finder.booking import calendar
from finder.booking.pages import fhir
from finder.centers.use_cases import load_centers_file
from finder.config import PROJECT_ROOT
from finder.domain.availability import parse_availability
from finder.extensions import catalog_cache, current_catalog
from finder.storage import db
from finder.storage.migrate import upgrade

ROUNDS = 20
HOURS = {
    "weekly": [
        {"day": d, "start": "08:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")
    ],
    "slot_minutes": 30,
    "buffer_minutes": 0,
    "capacity": 2,
    "min_notice_hours": 24,
    "horizon_days": 60,
}


def ok(answer, status: int = 200) -> None:
    if answer.status_code != status:
        raise SystemExit(f"status {answer.status_code}, expected {status}")


def timed(send) -> tuple[float, float]:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        send()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), max(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "https://finder.example.org"})
        now = datetime.now(UTC)
        with app.app_context():
            load_centers_file(PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products)
            session = db.session()
            for center in current_catalog().centers.centers:
                hours = parse_availability(HOURS, timezone=center.timezone)
                calendar.save_availability(session, center, hours, now=now, by=None)
            session.commit()
            centers = len(current_catalog().centers)
        client = app.test_client()
        manifest = client.get("/fhir/$bulk-publish").get_json(force=True)
        paths = [urlsplit(output["url"]).path for output in manifest["output"]]
        sizes = [len(client.get(path).get_data()) for path in paths]
        slots = sum(
            client.get(path).get_data().count(b"\n")
            for path, output in zip(paths, manifest["output"], strict=True)
            if output["type"] == "Slot"
        )
        etag = client.get("/fhir/$bulk-publish").headers["ETag"]

        def trivial() -> None:
            ok(client.get("/healthz"))

        def poll() -> None:
            ok(client.get("/fhir/$bulk-publish"))
            for path in paths:
                ok(client.get(path))

        def conditional() -> None:
            answer = client.get("/fhir/$bulk-publish", headers={"If-None-Match": etag})
            ok(answer, 304)

        def conditional_poll() -> None:
            for path in ("/fhir/$bulk-publish", *paths):
                ok(client.get(path, headers={"If-None-Match": etag}), 304)

        def kept(label: str, send) -> tuple[str, tuple[float, float]]:
            """Timed; the publication must be the one built before the row began."""
            before = app.extensions[fhir._CACHE][1]
            figures = timed(send)
            if app.extensions[fhir._CACHE][1] is not before:
                raise SystemExit(f"the publication was rebuilt during '{label}': run again")
            return label, figures

        def build() -> None:
            app.extensions.pop(fhir._CACHE, None)
            ok(client.get(paths[-1]))

        rows = [
            ("trivial: GET /healthz", timed(trivial)),
            kept(f"poll: manifest + {len(paths)} files, 200 kept", poll),
            kept("poll: manifest, 304 by ETag", conditional),
            kept(f"poll: manifest + {len(paths)} files, 304", conditional_poll),
            ("build the publication (no cache)", timed(build)),
        ]
    print(
        f"{centers} centers, {slots} published slots ({sum(sizes) / 1e6:.1f} MB over "
        f"{len(paths)} files); {ROUNDS} requests each, SQLite"
    )
    print(f"{'request':<42} {'median ms':>10} {'max ms':>8}")
    for label, (median, worst) in rows:
        print(f"{label:<42} {median:>10.1f} {worst:>8.1f}")


if __name__ == "__main__":
    main()
