"""Rate limits on the endpoints worth guessing at: sign-in, tokens, password reset, booking.

Counters live in `RATELIMIT_STORAGE_URI`: `memory://` counts per process; a shared store
(`redis://`) counts once across every worker of every instance. When the shared store cannot
be reached, each process counts in its own memory until the store answers again (a warning
is logged), so a blink of the store never turns a request into a 500.
"""

import logging

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

SIGN_IN = "10 per minute; 50 per hour"
TOKEN = "10 per minute; 50 per hour"  # noqa: S105 - a rate, not a secret
PASSWORD_RESET = "5 per minute; 20 per hour"  # noqa: S105 - a rate, not a secret
BOOKING = "30 per minute"
# A store that does not answer within this many seconds counts as down for the request.
STORE_TIMEOUT_SECONDS = 1.0
_REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")

# The client address is REMOTE_ADDR: the proxy's own unless PROXY_COUNT lets ProxyFix
# take it from X-Forwarded-For (see finder/app.py).
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
# Flask-Limiter's own logger has a NullHandler, so its warning that the store is down would
# never reach the server's log; it names no client, only the store's state.
limiter.logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    config = app.config
    config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if str(config["RATELIMIT_STORAGE_URI"]).startswith(_REDIS_SCHEMES):
        # Options in the URI's query string (e.g. ?socket_timeout=2) take precedence.
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {
                "socket_connect_timeout": STORE_TIMEOUT_SECONDS,
                "socket_timeout": STORE_TIMEOUT_SECONDS,
            },
        )
    limiter.init_app(app)
