"""One row per figure a benchmark measures: ours, the naive baseline of the same run, the
ratio, the goal and whether it is met; printed as one table and kept as JSON."""

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    ours: float
    baseline: float | None  # the naive way (or the reference answer) in the same run
    ratio: float | None  # as the goal reads it: a speed-up, or ours / reference
    goal: str
    met: bool | None


def speed_up(name: str, unit: str, ours: float, naive: float, goal: str, met: bool) -> Figure:
    """A figure where less is better; the ratio is how many times faster ours is."""
    return Figure(name, unit, ours, naive, naive / ours if ours else None, goal, met)


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    if value == int(value) and abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def table(figures: list[Figure]) -> str:
    header = "| figure | ours | naive baseline | ratio | goal | met |"
    rule = "|---|---:|---:|---:|---|---|"
    rows = [
        f"| {f.name} ({f.unit}) | {_number(f.ours)} | {_number(f.baseline)} | "
        f"{'–' if f.ratio is None else f'{f.ratio:.2f}x'} | {f.goal} | "
        f"{'–' if f.met is None else ('yes' if f.met else 'NO')} |"
        for f in figures
    ]
    return "\n".join([header, rule, *rows])


def write(figures: list[Figure], folder: Path = RESULTS) -> Path:
    """The figures as JSON, named by the UTC time of the run."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = folder / f"{now:%Y%m%dT%H%M%SZ}.json"
    record = {
        "measured_at": now.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "figures": [asdict(figure) for figure in figures],
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path
