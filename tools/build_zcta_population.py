# ruff: noqa: E501, S101, S314, UP031 - a one-off build script over inputs pinned by SHA-256
#!/usr/bin/env python3
"""Rebuild zcta_population.csv (and the optional zip_to_zcta.csv) from vendored Census inputs.

Standard library only; reads local files, downloads nothing.

Output
------
zcta_population.csv  zcta,lat,lon,population,state   sorted by zcta, lat/lon rounded to 5 places
    zcta        2020 ZIP Code Tabulation Area (5 digits), every ZCTA in the 2025 Gazetteer
                (= the 33,791 ZCTAs delineated for the 2020 Census: 50 states, DC, PR and
                the four island areas).
    lat, lon    Census "internal point" (INTPTLAT / INTPTLONG) from the 2025 Gazetteer.
    population  2020 Census DHC table P1, P1_001N (total population, April 1 2020). Empty for
                the 17 island-area ZCTAs (USVI, Guam, CNMI, American Samoa): the 2020 DHC
                national table covers the 50 states, DC and PR only.
    state       USPS code of the state holding most of the ZCTA's land area, from the Census
                2020 ZCTA-to-county relationship file (county FIPS -> state FIPS -> USPS).
zip_to_zcta.csv      zip,zcta   (optional, only with --crosswalk) ZIPs that are not
    themselves 2020 ZCTAs (PO-box and single-organisation "unique" ZIPs such as 44195),
    mapped to the 2020 ZCTA that contains them, from the UDS Mapper 2021 ZIP-to-ZCTA crosswalk.

Inputs (put them in --raw, default ./raw; their SHA-256 is checked)
------
1. DECENNIALDHC2020.P1-Data.csv  -- verbatim data.census.gov export of table P1 for all ZCTAs
   (https://data.census.gov/table/DECENNIALDHC2020.P1?g=010XX00US$8600000).
   Taken from GitHub zachnorman02/STAT-8406-Final-Project @ e422417f9b1aa50d2772e33765cb0685c749dd19,
   path data/DECENNIALDHC2020.P1-Data.csv (byte-identical data to Iateapizza/DataScience
   @ 004a5d19f08a33ee3e6aee60b02a3184dea715a4:DECENNIALDHC2020.P1-Data.csv, CRLF/quoting aside).
       git --git-dir=<mirror of zachnorman02/STAT-8406-Final-Project> \
           show e422417f9b1aa50d2772e33765cb0685c749dd19:data/DECENNIALDHC2020.P1-Data.csv \
           > raw/DECENNIALDHC2020.P1-Data.csv
2. 2025_Gaz_zcta_national.txt    -- Census 2025 Gazetteer, ZCTA national file (pipe-delimited;
   https://www2.census.gov/geo/docs/maps-data/data/gazetteer/2025_Gazetteer/2025_Gaz_zcta_national.zip).
   Taken from GitHub bdurand/us_geo @ 31592c0909eede782c00e1181011320a2a7ab2e1,
   path data/raw/gazetteer/2025_Gaz_zcta_national.txt
       git --git-dir=<mirror of bdurand/us_geo> show \
           31592c0909eede782c00e1181011320a2a7ab2e1:data/raw/gazetteer/2025_Gaz_zcta_national.txt \
           > raw/2025_Gaz_zcta_national.txt
3. us_geo_zcta_counties.csv      -- ZCTA5,County GEOID,Land Area,Water Area (sq mi): bdurand/us_geo's
   reduction of the Census 2020 relationship file tab20_zcta520_county20_natl.txt
   (https://www2.census.gov/geo/docs/maps-data/data/rel2020/zcta520/tab20_zcta520_county20_natl.txt).
       git --git-dir=<mirror of bdurand/us_geo> show \
           31592c0909eede782c00e1181011320a2a7ab2e1:data/2020_dist/zcta_counties.csv \
           > raw/us_geo_zcta_counties.csv
4. (only for --crosswalk) ZIPCodetoZCTACrosswalk2021UDS.xlsx -- UDS Mapper 2021 ZIP-to-ZCTA
   crosswalk, from GitHub kylezengo/census @ dcf3bd9bf662e8253d9bd90dfbf0ee2928bd023a.
       git --git-dir=<mirror of kylezengo/census> show \
           dcf3bd9bf662e8253d9bd90dfbf0ee2928bd023a:ZIPCodetoZCTACrosswalk2021UDS.xlsx \
           > raw/ZIPCodetoZCTACrosswalk2021UDS.xlsx

Usage:  python3 build_zcta_population.py [--raw DIR] [--out DIR] [--crosswalk]
"""

import argparse
import csv
import hashlib
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from pathlib import Path

SHA256 = {
    "DECENNIALDHC2020.P1-Data.csv": "8e199ae5c22c1c3084e83bb08ad3319181032f763776541526b865cb58a5b4cf",
    "2025_Gaz_zcta_national.txt": "100e70311af1655406d939a930f183559c902b57e1f20e714b43ef4776f6ac3d",
    "us_geo_zcta_counties.csv": "fd85dd081205fa4772541f8d9a824a8e34b01a7755c474407d1106e42704ea4c",
    "ZIPCodetoZCTACrosswalk2021UDS.xlsx": "72bddeccebc47bbd94f7542382cede8f2f292011f227b110ed022b2258de8c4d",
}

# State FIPS -> USPS (50 states, DC, PR and the island areas).
FIPS_TO_USPS = {
    "01": "AL",
    "02": "AK",
    "04": "AZ",
    "05": "AR",
    "06": "CA",
    "08": "CO",
    "09": "CT",
    "10": "DE",
    "11": "DC",
    "12": "FL",
    "13": "GA",
    "15": "HI",
    "16": "ID",
    "17": "IL",
    "18": "IN",
    "19": "IA",
    "20": "KS",
    "21": "KY",
    "22": "LA",
    "23": "ME",
    "24": "MD",
    "25": "MA",
    "26": "MI",
    "27": "MN",
    "28": "MS",
    "29": "MO",
    "30": "MT",
    "31": "NE",
    "32": "NV",
    "33": "NH",
    "34": "NJ",
    "35": "NM",
    "36": "NY",
    "37": "NC",
    "38": "ND",
    "39": "OH",
    "40": "OK",
    "41": "OR",
    "42": "PA",
    "44": "RI",
    "45": "SC",
    "46": "SD",
    "47": "TN",
    "48": "TX",
    "49": "UT",
    "50": "VT",
    "51": "VA",
    "53": "WA",
    "54": "WV",
    "55": "WI",
    "56": "WY",
    "60": "AS",
    "66": "GU",
    "69": "MP",
    "72": "PR",
    "78": "VI",
}


CENSUS_API = (
    "https://api.census.gov/data/2020/dec/dhc?get=P1_001N&for=zip%20code%20tabulation%20area:"
)
CHECKED_ON = "2026-12-06"
# The file's first line: where the figures come from (each row also names its own answer).
SOURCES_LINE = (
    "# U.S. Census Bureau: 2020 population (DHC table P1, "
    "https://data.census.gov/table/DECENNIALDHC2020.P1) at the 2025 Gazetteer ZCTA internal points "
    "(https://www.census.gov/geographies/reference-files/time-series/geo/gazetteer-files.html); "
    "every row names its own API answer (source); see data/zcta/SOURCE.md"
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(path: Path) -> None:
    want = SHA256.get(path.name)
    got = sha256(path)
    if want and got != want:
        sys.exit(f"{path}: sha256 {got} does not match the documented {want}")


def read_population(path: Path) -> dict[str, int]:
    """ZCTA -> P1_001N from the data.census.gov export (two header rows, GEO_ID 860Z200USnnnnn)."""
    out = {}
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.reader(f):
            if row and row[0].startswith("860Z200US"):
                zcta = row[0][len("860Z200US") :]
                assert re.fullmatch(r"\d{5}", zcta) and row[1] == f"ZCTA5 {zcta}", row
                out[zcta] = int(row[2])
    return out


def read_gazetteer(path: Path) -> dict[str, tuple[float, float]]:
    """ZCTA -> (INTPTLAT, INTPTLONG); accepts the tab- (<=2024) or pipe-delimited (2025+) file."""
    text = path.read_text(encoding="utf-8-sig")
    delim = "|" if "|" in text.splitlines()[0] else "\t"
    rows = csv.DictReader(text.splitlines(), delimiter=delim)
    rows.fieldnames = [name.strip() for name in rows.fieldnames]
    return {r["GEOID"].strip(): (float(r["INTPTLAT"]), float(r["INTPTLONG"])) for r in rows}


def read_states(path: Path) -> dict[str, str]:
    """ZCTA -> USPS code of the state with most of its land area (water area breaks ties / all-water)."""
    area: dict[str, dict[str, tuple[float, float]]] = defaultdict(
        lambda: defaultdict(lambda: (0.0, 0.0))
    )
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            st = r["County GEOID"][:2]
            land, water = area[r["ZCTA5"]][st]
            area[r["ZCTA5"]][st] = (
                land + float(r["Land Area"] or 0),
                water + float(r["Water Area"] or 0),
            )
    return {
        z: FIPS_TO_USPS[max(by_state, key=lambda s: by_state[s])] for z, by_state in area.items()
    }


def read_xlsx_first_sheet(path: Path) -> list[dict[str, str]]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    t = "{%s}t" % ns["m"]
    z = zipfile.ZipFile(path)
    shared = [
        "".join(x.text or "" for x in si.iter(t))
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)
    ]
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}row" % ns["m"]):
        vals = {}
        for c in row.findall("m:c", ns):
            col = re.match(r"[A-Z]+", c.get("r")).group()
            v = c.find("m:v", ns)
            if c.get("t") == "s":
                vals[col] = shared[int(v.text)]
            elif c.get("t") == "inlineStr":
                vals[col] = "".join(x.text or "" for x in c.iter(t))
            else:
                vals[col] = v.text if v is not None else ""
        rows.append(vals)
    header = rows[0]
    return [{header[k]: v for k, v in r.items() if k in header} for r in rows[1:]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", type=Path, default=Path(__file__).with_name("raw"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent)
    ap.add_argument("--crosswalk", action="store_true", help="also write zip_to_zcta.csv")
    args = ap.parse_args()

    paths = {
        n: args.raw / n
        for n in (
            "DECENNIALDHC2020.P1-Data.csv",
            "2025_Gaz_zcta_national.txt",
            "us_geo_zcta_counties.csv",
        )
    }
    for p in paths.values():
        check(p)
    pop = read_population(paths["DECENNIALDHC2020.P1-Data.csv"])
    points = read_gazetteer(paths["2025_Gaz_zcta_national.txt"])
    states = read_states(paths["us_geo_zcta_counties.csv"])

    missing_point = sorted(set(pop) - set(points))
    if missing_point:
        sys.exit(f"ZCTAs with population but no gazetteer point: {missing_point}")
    missing_state = sorted(set(points) - set(states))
    if missing_state:
        sys.exit(f"ZCTAs with no county relationship: {missing_state}")

    out = args.out / "zcta_population.csv"
    with out.open("w", newline="") as f:
        f.write(SOURCES_LINE + "\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["zcta", "lat", "lon", "population", "state", "source", "checked_on"])
        for zcta in sorted(points):
            lat, lon = points[zcta]
            # Each row's own Census answer for its population (the point: SOURCE.md).
            source = f"{CENSUS_API}{zcta}"
            row = [zcta, f"{lat:.5f}", f"{lon:.5f}", pop.get(zcta, ""), states[zcta]]
            w.writerow([*row, source, CHECKED_ON])
    total = sum(pop.values())
    print(f"{out}: {len(points)} ZCTAs, {len(pop)} with population, population sum {total:,}")
    print(f"  without population (island areas): {' '.join(sorted(set(points) - set(pop)))}")

    if args.crosswalk:
        xl = args.raw / "ZIPCodetoZCTACrosswalk2021UDS.xlsx"
        check(xl)
        kept = skipped = 0
        xout = args.out / "zip_to_zcta.csv"
        with xout.open("w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["zip", "zcta"])
            for r in sorted(read_xlsx_first_sheet(xl), key=lambda r: r["ZIP_CODE"]):
                zip_code, zcta = r["ZIP_CODE"].zfill(5), (r.get("ZCTA") or "").strip()
                if zip_code in points or not re.fullmatch(r"\d{5}", zcta):
                    continue  # a ZIP that is itself a ZCTA needs no crosswalk; no ZCTA known
                if zcta not in points:
                    skipped += 1  # crosswalk points at a 2010-only ZCTA
                    continue
                w.writerow([zip_code, zcta])
                kept += 1
        print(
            f"{xout}: {kept} non-ZCTA ZIPs mapped to a 2020 ZCTA ({skipped} skipped: 2010-only ZCTA)"
        )


if __name__ == "__main__":
    main()
