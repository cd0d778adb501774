"""Rate limits on the endpoints worth guessing at: sign-in, tokens, password reset, booking."""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

SIGN_IN = "10 per minute; 50 per hour"
TOKEN = "10 per minute; 50 per hour"  # noqa: S105 - a rate, not a secret
PASSWORD_RESET = "5 per minute; 20 per hour"  # noqa: S105 - a rate, not a secret
BOOKING = "30 per minute"

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def init_app(app: Flask) -> None:
    # memory:// counts per process; set RATELIMIT_STORAGE_URI (e.g. redis://) to share counts.
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
