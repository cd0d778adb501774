"""Light and quick delivery: gzip for text responses, and versioned static files cached a year.

`url_for('static', ...)` adds `v=<hash of the file>`, so a changed file gets a new address and a
browser may keep each version for a year without asking again. Text responses (pages, JSON,
GeoJSON, scripts, styles) are gzipped when the browser accepts it; a static file's compressed
bytes are kept per version, so each is compressed once per process.
"""

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

COMPRESSIBLE = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/problem+json",
    "image/svg+xml",
)
MIN_BYTES = 1024
YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _file_version(path: str, mtime_ns: int) -> str:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return digest[:12]


def _version_static(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint != "static" or "v" in values or not current_app.static_folder:
        return
    path = Path(current_app.static_folder) / str(values.get("filename", ""))
    try:
        values["v"] = _file_version(str(path), path.stat().st_mtime_ns)
    except OSError:
        return


@lru_cache(maxsize=256)
def _gzipped_static(etag: str, data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _deliver(response: Response) -> Response:
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    mimetype = response.mimetype or ""
    if (
        response.status_code != 200
        or mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or "Content-Encoding" in response.headers
        or "Content-Range" in response.headers
        or request.method == "HEAD"
    ):
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_BYTES:
        return response
    etag = response.headers.get("ETag")
    if request.endpoint == "static" and etag:
        body = _gzipped_static(f"{request.path}|{etag}", data)
        response.headers["ETag"] = etag[:-1] + '-gz"' if etag.endswith('"') else etag
    else:
        body = gzip.compress(data, compresslevel=6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(body))
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    """Register first, so that (after_request hooks run last-registered first) it runs last."""
    app.url_defaults(_version_static)
    app.after_request(_deliver)
