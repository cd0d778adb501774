"""Build static/basemap/places.json: city and town names for the offline map.

Sources, both already in the project: the `zipcodes` package (MIT; the USPS city of each ZIP)
and data/zcta/zcta_population.csv (U.S. Census Bureau, public domain: 2020 population and the
internal point of each ZIP Code Tabulation Area). A place's population is the sum over the ZCTAs
whose ZIP names it as its city; its point is that of its most populous ZCTA. Kept: places of at
least 40,000 people, and the largest place of each state or territory. The file is compact JSON,
{"places": [[name, lon, lat, zoom], ...]}, largest first; zoom is the lowest at which the map
shows the name.

    python tools/build_places.py
"""

import csv
import json
from collections import defaultdict
from pathlib import Path

import zipcodes

ROOT = Path(__file__).resolve().parent.parent
MIN_POPULATION = 40_000


# Where the names and points come from (licences and method: static/basemap/PLACES.md).
SOURCES = [
    "https://pypi.org/project/zipcodes/",
    "https://www.census.gov/geographies/reference-files/time-series/geo/gazetteer-files.html",
]
CHECKED_ON = "2026-12-06"


def zoom_for(population: int) -> int:
    if population >= 1_000_000:
        return 4
    if population >= 300_000:
        return 5
    if population >= 100_000:
        return 6
    return 7


def main() -> None:
    city_of = {z["zip_code"]: (z["city"], z["state"]) for z in zipcodes.list_all()}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    best: dict[tuple[str, str], tuple[int, float, float]] = {}
    with (ROOT / "data" / "zcta" / "zcta_population.csv").open(newline="") as file:
        for row in csv.DictReader(line for line in file if not line.startswith("#")):
            place = city_of.get(row["zcta"])
            if place is None:
                continue
            people = int(row["population"] or 0)
            totals[place] += people
            if place not in best or people > best[place][0]:
                best[place] = (people, float(row["lat"]), float(row["lon"]))
    largest: dict[str, tuple[str, str]] = {}
    for place, people in totals.items():
        state = place[1]
        if state not in largest or people > totals[largest[state]]:
            largest[state] = place
    keep = {p for p, people in totals.items() if people >= MIN_POPULATION} | set(largest.values())
    places = []
    for place in sorted(keep, key=lambda p: -totals[p]):
        _, lat, lon = best[place]
        zoom = zoom_for(totals[place])
        if place in largest.values():
            zoom = min(zoom, 5)
        places.append([place[0], round(lon, 2), round(lat, 2), zoom])
    out = ROOT / "static" / "basemap" / "places.json"
    body = {"source": SOURCES, "checked_on": CHECKED_ON, "places": places}
    out.write_text(json.dumps(body, separators=(",", ":")))
    print(f"{out.relative_to(ROOT)}: {len(places)} places, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
