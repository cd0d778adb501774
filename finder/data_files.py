"""The vendored data files under data/: a CSV file may open with comment lines (`# …`) that name
its sources; every row after the header names its own in its `source` column."""

from typing import TextIO


def skip_comments(handle: TextIO) -> int:
    """Read past the comment lines a file opens with; how many there were (for line numbers)."""
    skipped = 0
    while True:
        position = handle.tell()
        line = handle.readline()
        if not line.startswith("#"):
            handle.seek(position)
            return skipped
        skipped += 1
