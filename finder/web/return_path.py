"""Where sign-in may send someone back to: a path on this site, read as a browser reads it.

A browser (the WHATWG URL parser) drops leading and trailing control characters and spaces,
removes tabs and newlines anywhere, and reads a backslash in the path as a slash, so
`/\\t/evil.test` and `/\\evil.test` both lead to another site. The target is normalised the same
way and kept only when what is left is plainly a path here; anything doubtful gives "".
"""

import re
from urllib.parse import unquote, urlsplit

from werkzeug.urls import iri_to_uri

MAX_LENGTH = 2048
_EDGES = "".join(chr(code) for code in range(0x21))  # C0 controls and space
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOT_SEGMENT = re.compile(r"(^|/)(\.|%2e){1,2}(/|$)", re.IGNORECASE)


def safe_next(target: str | None) -> str:
    """The target as a path on this site, ready for a Location header; "" if it is not one."""
    if not target or len(target) > MAX_LENGTH:
        return ""
    url = target.strip(_EDGES).translate(_TAB_OR_NEWLINE)
    cut = min((url.find(mark) for mark in "?#" if mark in url), default=len(url))
    path, rest = url[:cut].replace("\\", "/"), url[cut:]
    if _CONTROL.search(url) or not _plain_path(path) or not _plain_path(_decoded(path)):
        return ""
    try:
        safe = iri_to_uri(path + rest)
        parts = urlsplit(safe)
    except ValueError:  # e.g. a lone surrogate that cannot be encoded
        return ""
    if parts.scheme or parts.netloc or not _plain_path(parts.path):
        return ""
    return safe


def _decoded(path: str) -> str:
    """The path as the server will read it once the browser asks for it."""
    return unquote(path).translate(_TAB_OR_NEWLINE).replace("\\", "/")


def _plain_path(path: str) -> bool:
    """Starts with one slash; no empty segment, no dot segment, no control character."""
    return (
        path.startswith("/")
        and "//" not in path
        and not _DOT_SEGMENT.search(path)
        and not _CONTROL.search(path)
    )
