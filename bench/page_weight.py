"""Bytes on the wire for a results page and everything it loads, first visit and repeat visit,
next to the naive way (no compression, every asset fetched again on every visit) in one run.

Run: .venv/bin/python bench/page_weight.py
"""

import re
import sys
import tempfile
from gzip import decompress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder.app import create_app
from finder.centers.use_cases import load_centers_file
from finder.config import PROJECT_ROOT
from finder.extensions import catalog_cache
from finder.storage.migrate import upgrade

SEARCHES = [
    "/?near=Honolulu,+HI&indication=MM",
    "/?near=Helena,+MT",
    "/?near=Chicago,+IL",
    "/?near=96910",
]
ASSET = re.compile(r"""["'](/static/[^"'?]+(?:\?v=[0-9a-f]+)?)["']""")


def fetch(client, url: str, gzip: bool) -> tuple[int, str, bool]:
    """(bytes on the wire, the decoded text, whether a browser may keep it without asking)."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {"Accept-Encoding": "identity"}
    with client.get(url, headers=headers) as response:
        wire = len(response.data)
        body = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            body = decompress(body)
        cached = "immutable" in response.headers.get("Cache-Control", "")
        return wire, body.decode("utf-8", "replace"), cached


def visit(client, url: str, gzip: bool) -> tuple[int, int, int]:
    """(page bytes, first-visit total, repeat-visit total)."""
    page, html, _ = fetch(client, url, gzip)
    first = repeat = page
    for asset in sorted(set(ASSET.findall(html))):
        if asset.endswith("axe.min.js"):
            continue
        size, _, cached = fetch(client, asset, gzip)
        first += size
        repeat += 0 if (gzip and cached) else size
    return page, first, repeat


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            load_centers_file(PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products)
        client = app.test_client()
        print(f"{'search':<38} {'way':<34} {'page KB':>8} {'first KB':>9} {'repeat KB':>10}")
        for search in SEARCHES:
            for gzip, way in (
                (False, "naive: plain, nothing cached"),
                (True, "gzip + versioned, cached a year"),
            ):
                page, first, repeat = visit(client, search, gzip)
                print(
                    f"{search:<38} {way:<34} {page / 1024:>8.1f} {first / 1024:>9.1f} "
                    f"{repeat / 1024:>10.1f}"
                )


if __name__ == "__main__":
    main()
