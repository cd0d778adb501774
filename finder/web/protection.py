"""CSRF tokens on every state-changing request, and the security headers on every response."""

import hmac
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from markupsafe import Markup
from werkzeug.wrappers import Response

from finder.web.auth import bearer_secret

_TAG = re.compile(r"<(script|style)\b")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """The session's CSRF token, made on first use; forms carry it in a hidden field."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    token: str = session[CSRF_FIELD]
    return token


def _needs_csrf() -> bool:
    if request.method in SAFE_METHODS:
        return False
    if bearer_secret() is not None:
        return False  # a header a browser never adds on its own: no forged request carries it
    has_cookie = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    # The API without a cookie has no ambient authority a forged request could borrow.
    return has_cookie or not request.path.startswith("/api/")


def _check_csrf() -> None:
    if not _needs_csrf():
        return
    expected = session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    # As bytes: compare_digest refuses str holding anything but ASCII, and a form may send it.
    if not expected or not hmac.compare_digest(_bytes(str(expected)), _bytes(sent)):
        abort(
            400,
            description="This form has expired or did not come from this site. "
            "Reload the page and try again.",
        )


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "replace")


def csp_nonce() -> str:
    """This response's nonce for the inline map script and styles."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def with_nonce(trusted_html: str) -> Markup:
    """Our own generated map markup, its <script> and <style> tags given this response's nonce."""
    return Markup(_TAG.sub(rf'<\1 nonce="{csp_nonce()}"', trusted_html))  # noqa: S704


def content_security_policy(nonce: str, tile_origin: str | None) -> str:
    """Only this origin, plus the nonce'd inline map code and, if set, the tile server."""
    images = "'self' data:" + (f" {tile_origin}" if tile_origin else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(
        csp_nonce(), current_app.config.get("TILE_ORIGIN")
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static" and (g.get("auth_method") or request.method != "GET"):
        headers["Cache-Control"] = "no-store"  # nothing signed-in may sit in a shared cache
    return response


def tile_origin(tile_url: str | None) -> str | None:
    """The tile server's origin for the CSP; `{s}` subdomains become a wildcard."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _refuse_nul() -> None:
    """A NUL character is never part of a real form, query or JSON value; storage rejects it."""
    body = request.get_data(cache=True) or b""
    encoded = request.query_string
    if request.mimetype == "application/x-www-form-urlencoded":
        encoded += body
    if b"%00" in encoded or b"\x00" in body or (request.is_json and b"\\u0000" in body):
        abort(400, description="The request holds a character that is not allowed.")


def check_requests(app: Flask) -> None:
    """After the access rules: a stale cookie on a guarded route is a 401, not a CSRF 400."""
    app.before_request(_refuse_nul)
    app.before_request(_check_csrf)


def init_app(app: Flask) -> None:
    app.config["TILE_ORIGIN"] = tile_origin(app.config.get("TILE_URL"))
    app.config.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)  # forms and JSON are small
    app.after_request(_security_headers)
    app.jinja_env.globals.update(csrf_token=csrf_token, csp_nonce=csp_nonce)
    app.jinja_env.filters["with_nonce"] = with_nonce
