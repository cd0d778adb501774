"""App start-up (import plus create_app) and the first offline geocode, in fresh processes."""

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = (
    "import time; t = time.perf_counter(); from finder.app import create_app; "
    "app = create_app({'DATABASE_URL': 'sqlite://'}); s = time.perf_counter() - t; "
    "from finder.extensions import current_geocoder\n"
    "with app.app_context():\n"
    "    t = time.perf_counter(); current_geocoder().geocode('02115')\n"
    "    g = time.perf_counter() - t\n"
    "    t = time.perf_counter(); current_geocoder().geocode('Boston, MA')\n"
    "    h = time.perf_counter() - t\n"
    "print(s, g, h)"
)


def main() -> None:
    runs = []
    for _ in range(5):
        out = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", START], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append([float(x) for x in out])
    start, first, second = (statistics.median(column) for column in zip(*runs, strict=True))
    print("median of 5 fresh processes")
    print(f"import + create_app          {start * 1000:8.1f} ms")
    print(f"first geocode (loads gazetteer) {first * 1000:5.1f} ms")
    print(f"next geocode                 {second * 1000:8.3f} ms")


if __name__ == "__main__":
    main()
