"""Server time to render the results page with the map for every real center, against the
same page whose map is built the naive folium way (one folium.Marker with a Popup per center).

Run: .venv/bin/python bench/page_render.py
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import folium

from bench.figures import Figure, speed_up
from finder.app import create_app
from finder.centers.use_cases import load_centers_file
from finder.config import PROJECT_ROOT
from finder.extensions import catalog_cache
from finder.search import results_page
from finder.search.maps import MapParts
from finder.storage.migrate import upgrade

PLACES = ["02115", "Houston, TX", "98109", "Denver, CO", "60637", "Nashville, TN", "96813"]
ROUNDS = 15


def naive_map(origin, origin_label, markers, zone, *, assets, tile_url=None, zone_label=""):
    """The obvious folium build: a Marker and a Popup object per center."""
    page_map = folium.Map(location=list(origin), zoom_start=7, tiles=None)
    page_map.default_js = [("leaflet", assets.leaflet_js)]
    page_map.default_css = [("leaflet_css", assets.leaflet_css)]
    if zone is not None:
        folium.GeoJson(zone.__geo_interface__, tooltip=zone_label).add_to(page_map)
    for marker in markers:
        center = marker.ranked.center
        folium.Marker(
            [center.lat, center.lon],
            tooltip=center.name,
            popup=folium.Popup("<br>".join([center.name, *marker.popup_lines])),
        ).add_to(page_map)
    folium.Marker(list(origin), tooltip=origin_label).add_to(page_map)
    root = page_map.get_root()
    root.render()
    return MapParts(root.header.render(), root.html.render(), root.script.render())


def timed(client, count: int) -> tuple[float, float]:
    times = []
    for _ in range(ROUNDS):
        for place in PLACES:
            start = time.perf_counter()
            response = client.get("/", query_string={"near": place, "limit": count})
            times.append((time.perf_counter() - start) * 1000.0)
            if response.status_code != 200:
                raise SystemExit(f"{place}: status {response.status_code}")
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def figures() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            count = load_centers_file(
                PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products
            )
        client = app.test_client()
        for place in PLACES:  # warm-up: gazetteer, index, land outline, templates
            client.get("/", query_string={"near": place, "limit": count})
        ours = timed(client, count)
        built = results_page.results_map
        results_page.results_map = naive_map
        try:
            naive = timed(client, count)
        finally:
            results_page.results_map = built
    print(f"results page with all {count} centers on the map; {ROUNDS * len(PLACES)} requests each")
    print(f"{'map build':<36} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'one GeoJSON layer (finder.maps)':<36} {ours[0]:>10.1f} {ours[1]:>8.1f}")
    print(f"{'naive: folium.Marker per center':<36} {naive[0]:>10.1f} {naive[1]:>8.1f}")
    print(f"speed-up: {naive[0] / ours[0]:.1f}x")
    return [
        speed_up(
            f"results page with all {count} centers on the map, median, against naive folium",
            "ms", ours[0], naive[0], "<= 40 ms and >= 3x",
            ours[0] <= 40 and naive[0] / ours[0] >= 3,
        )
    ]  # fmt: skip


def main() -> None:
    figures()


if __name__ == "__main__":
    main()
