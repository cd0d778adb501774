"""The results map's first draw on a slow connection (1.6 Mbps down, 150 ms latency, emulated
through the Chrome DevTools Protocol), next to the naive delivery in the same run: no
compression and the browser cache disabled, so every visit fetches every asset again.

"First draw" is the time from navigation start until the numbered markers and the basemap's
state outlines are on the map (performance.now() in the page).

Run: .venv/bin/python bench/map_draw_throttled.py      (needs Chromium at /usr/bin/chromium)

To measure another version of the app, point --checkout at a git worktree of it (its `finder`
is imported instead of this one), for example the version before the map's rework:

    git worktree add /tmp/before 77e14de
    .venv/bin/python bench/map_draw_throttled.py --checkout /tmp/before

That version draws the state outlines and the centers as paths in Leaflet's overlay pane (the
outlines filled #f2efe9, no numbered markers), so "drawn" also accepts that shape.
"""

import argparse
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
SLOW = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
SEARCH = "/?near=Helena,+MT"
ROUNDS = 3
DRAWN = (
    "() => (document.querySelectorAll('.center-marker').length > 0 &&"
    " document.querySelectorAll('.leaflet-basemap-pane path').length > 40) ||"
    # the earlier map: outlines and circle markers (with the zone and the patient) as overlay paths
    " (document.querySelectorAll('.leaflet-overlay-pane path[fill=\"#f2efe9\"]').length > 40 &&"
    " document.querySelectorAll('.leaflet-overlay-pane path:not([fill=\"#f2efe9\"])').length > 2)"
)


def draw_ms(context, base: str, *, naive: bool) -> float:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW)
    if naive:
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    page.goto(base + SEARCH, wait_until="commit")
    page.wait_for_function(DRAWN, timeout=120_000)
    elapsed: float = page.evaluate("() => performance.now()")
    page.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--checkout",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the checkout whose app is served (default: this one)",
    )
    checkout = parser.parse_args().checkout.resolve()
    sys.path.insert(0, str(checkout))  # its `finder`, data and static files are served
    from finder.app import create_app
    from finder.centers.use_cases import load_centers_file
    from finder.config import PROJECT_ROOT
    from finder.extensions import catalog_cache
    from finder.storage.migrate import upgrade

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium to run this bench")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            load_centers_file(PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=ARGS
            )
            naive, first, repeat = [], [], []
            for _ in range(ROUNDS):
                context = browser.new_context()
                naive.append(draw_ms(context, base, naive=True))
                context.close()
                context = browser.new_context()  # a cold cache, then the same cache warm
                first.append(draw_ms(context, base, naive=False))
                repeat.append(draw_ms(context, base, naive=False))
                context.close()
            browser.close()
        server.shutdown()
    print(f"checkout: {checkout}")
    print(f"map first draw, {SEARCH}, 1.6 Mbps / 150 ms, median of {ROUNDS}")
    print(f"{'naive: plain, cache disabled':<40} {statistics.median(naive):>8.0f} ms")
    print(f"{'gzip, first visit (cold cache)':<40} {statistics.median(first):>8.0f} ms")
    print(f"{'gzip, repeat visit (versioned, cached)':<40} {statistics.median(repeat):>8.0f} ms")


if __name__ == "__main__":
    main()
