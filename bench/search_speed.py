"""Ranked search speed: the center index against a naive geodesic loop, in the same run.

Prints medians over repeated searches from many US origins, for the real centers list and for
100,000 synthetic centers. Run: .venv/bin/python bench/search_speed.py [--synthetic N]
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geopy.distance import geodesic

from bench.figures import Figure, speed_up
from finder.centers.files import read_centers_csv, read_products, read_rules
from finder.config import PROJECT_ROOT
from finder.domain.centers import Address, Center
from finder.domain.drive_model import DEFAULT_ROAD_MODEL
from finder.domain.ranking import CenterIndex, SearchFilters
from finder.domain.road_network import connected_by_road, land_mass

DATA = PROJECT_ROOT / "data"
RULE = read_rules(DATA).get(None)
PRODUCTS = read_products(DATA)
FILTERS = SearchFilters(limit=20)


def naive_rank(origin: tuple[float, float], centers: list[Center]) -> list[tuple]:
    """The obvious way: one geopy geodesic per center, then sort everything."""
    origin_mass = land_mass(*origin)
    rows = []
    for center in centers:
        km = geodesic(origin, (center.lat, center.lon)).km
        road = connected_by_road(origin_mass, land_mass(center.lat, center.lon))
        minutes = DEFAULT_ROAD_MODEL.drive_minutes(km) if road else None
        within = RULE.within_proximity(minutes)
        rows.append((not within, minutes if minutes is not None else float("inf"), km, center.id))
    rows.sort()
    return rows[: FILTERS.limit]


def origins(count: int, seed: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(26.0, 48.5), rng.uniform(-123.0, -70.0)) for _ in range(count)]


def synthetic_centers(count: int, seed: int = 2) -> list[Center]:
    rng = random.Random(seed)
    products = PRODUCTS.ids
    centers = []
    for i in range(count):
        lat, lon = rng.uniform(25.0, 49.0), rng.uniform(-124.0, -67.0)
        chosen = tuple(p for p in products if rng.random() < 0.7) or ("yescarta",)
        centers.append(
            Center(
                id=f"synthetic-{i}", name=f"Synthetic {i}", address=Address("", "", "TX", "00000"),
                lat=lat, lon=lon, phone="", website="", timezone="America/Chicago",
                products=chosen, indications=("LBCL", "MM"), populations=("adult",),
                source="synthetic", verified_on=None,
            )
        )  # fmt: skip
    return centers


def median_ms(run, items) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        run(item)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def compare(
    label: str, centers: list[Center], searches: int, naive_searches: int
) -> tuple[float, float, bool]:
    start = time.perf_counter()
    index = CenterIndex(centers, PRODUCTS)
    build_ms = (time.perf_counter() - start) * 1000.0
    points = origins(searches)
    for point in points[:5]:  # warm-up
        index.rank(*point, RULE, FILTERS)
    fast = median_ms(lambda p: index.rank(*p, RULE, FILTERS), points)
    slow = median_ms(lambda p: naive_rank(p, centers), points[:naive_searches])
    same = all(
        [r.center.id for r in index.rank(*p, RULE, FILTERS)]
        == [row[3] for row in naive_rank(p, centers)]
        for p in points[:naive_searches]
    )
    print(
        f"{label:<28} {len(centers):>8} {build_ms:>10.1f} {fast:>12.3f} {slow:>12.3f} "
        f"{slow / fast:>8.1f}x  {'same' if same else 'DIFFERENT'}"
    )
    return fast, slow, same


def full_search(real: list[Center]) -> tuple[float, float]:
    """Geocode plus rank in-process, and the same through the Flask API on SQLite."""
    import tempfile

    from finder.app import create_app
    from finder.centers.catalog import Catalog
    from finder.centers.use_cases import load_centers_file
    from finder.geocoding import OfflineGeocoder, warm_up
    from finder.search.service import search_centers
    from finder.storage.migrate import upgrade

    warm_up()
    catalog = Catalog(PRODUCTS, read_rules(DATA), CenterIndex(real, PRODUCTS))
    geocoder = OfflineGeocoder()
    queries = [
        "02115",
        "Houston, TX",
        "450 Brookline Ave, Boston, MA 02215",
        "Denver CO",
        "98109",
        "Rochester, MN",
        "Honolulu HI",
        "San Juan, PR",
        "60637",
        "Nashville, TN",
    ]

    def run(query: str) -> None:
        search_centers(query, FILTERS, None, geocoder=geocoder, catalog=catalog)

    for query in queries:
        run(query)
    in_process = median_ms(run, queries * 50)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            load_centers_file(DATA / "centers.csv", PRODUCTS)
        client = app.test_client()
        client.get("/api/v1/centers", query_string={"near": "02115"})
        api = median_ms(
            lambda q: client.get("/api/v1/centers", query_string={"near": q}), queries * 20
        )
    print()
    print(f"full search, geocode + rank, in-process (real list):   {in_process:7.3f} ms median")
    print(f"GET /api/v1/centers through Flask and SQLite (real list): {api:5.3f} ms median")
    return in_process, api


HTTP_PLACES = ["02115", "Houston, TX", "98109", "Denver, CO", "60637", "Nashville, TN", "96813"]
HTTP_PRODUCTS = ["yescarta", "kymriah", "breyanzi", "abecma", "carvykti", "tecartus"]


def http_search(rounds: int = 300) -> tuple[float, float]:
    """p50 ms of GET /api/v1/centers?near=…&product=… and of GET /api/v1/rules, over HTTP on
    the same `finder serve` (gunicorn, SQLite, the real list), requests interleaved."""
    import tempfile

    from tests.live_server import LiveServer, call, running

    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        server = LiveServer(f"sqlite:///{workdir / 'finder.db'}", workdir, workers=2)
        server.init_db()
        with running(server):
            base = server.base_url

            def search(n: int) -> float:
                place, product = HTTP_PLACES[n % 7], HTTP_PRODUCTS[n % len(HTTP_PRODUCTS)]
                query = f"near={quote(place)}&product={product}"
                answer = call(base, "GET", f"/api/v1/centers?{query}")
                if answer.status != 200:
                    raise SystemExit(f"search {query}: {answer}")
                return answer.seconds * 1000.0

            def rules() -> float:
                answer = call(base, "GET", "/api/v1/rules")
                if answer.status != 200:
                    raise SystemExit(f"rules: {answer}")
                return answer.seconds * 1000.0

            for n in range(40):  # warm-up: both workers, the gazetteer, the index
                search(n)
                rules()
            searches, answers = [], []
            for n in range(rounds):
                searches.append(search(n))
                answers.append(rules())
    return statistics.median(searches), statistics.median(answers)


def figures(synthetic: int = 100_000, http_rounds: int = 300) -> list[Figure]:
    """Every measurement above, printed, and the ones with a goal as figures."""
    real = read_centers_csv(DATA / "centers.csv", PRODUCTS)
    print(f"ranked search, top {FILTERS.limit}, rule {RULE.id}; times are medians in ms")
    print(
        f"{'catalog':<28} {'centers':>8} {'build ms':>10} {'index ms':>12} {'naive ms':>12} "
        f"{'speed-up':>9}  order"
    )
    compare("real centers (data/)", real, searches=500, naive_searches=100)
    fast, slow, same = compare(
        "synthetic", synthetic_centers(synthetic), searches=200, naive_searches=3
    )
    full_search(real)
    search_ms, rules_ms = http_search(http_rounds)
    print()
    print(f"over HTTP, same server, {http_rounds} of each interleaved (p50):")
    print(f"GET /api/v1/centers?near=…&product=…  {search_ms:7.3f} ms")
    print(f"GET /api/v1/rules                      {rules_ms:7.3f} ms")
    print(f"ratio search / rules: {search_ms / rules_ms:.2f} (goal at most 1.5)")
    return [
        Figure(
            "GET /api/v1/centers?near&product p50 over HTTP, against /api/v1/rules",
            "ms", search_ms, rules_ms, search_ms / rules_ms, "ratio <= 1.5",
            search_ms / rules_ms <= 1.5,
        ),
        speed_up(
            f"ranking {synthetic:,} centers, median, against one geodesic per center", "ms",
            fast, slow, "same order as the exact naive ranking", same,
        ),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--http-rounds", type=int, default=300)
    args = parser.parse_args()
    figures(args.synthetic, args.http_rounds)


if __name__ == "__main__":
    main()
