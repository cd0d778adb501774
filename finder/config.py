"""Configuration from the environment (a .env file is read if present)."""

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def from_environment(instance_path: str) -> dict[str, Any]:
    """The settings the app needs, each with an embedded default."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    default_db = "sqlite:///" + str(Path(instance_path) / "finder.db")
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_db,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret(Path(instance_path)),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "1") != "0",
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "CAR T center finder <no-reply@localhost>",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Keeps these counters apart from another deployment's in a shared store.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX") or "",
        # Reverse proxies in front that set X-Forwarded-For and -Proto; 0 trusts neither header.
        "PROXY_COUNT": _count("PROXY_COUNT"),
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        # Links in messages point here, whatever Host a request came with.
        "PUBLIC_URL": _public_url(os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000"),
        # None: any Host is served; else other hosts are refused with a 400 (Flask checks it).
        "TRUSTED_HOSTS": _host_names(os.environ.get("TRUSTED_HOSTS", "")),
        "SCHEDULER_POLL_SECONDS": _positive("SCHEDULER_POLL_SECONDS", 5.0),
        "REMINDER_LEASE_SECONDS": _positive("REMINDER_LEASE_SECONDS", 120.0),
        # Threads sending reminders at once when there is a backlog; each may have one message
        # in hand when the process is killed (sent again after, with the same Message-ID).
        "REMINDER_WORKERS": _count("REMINDER_WORKERS") or 1,
        "GEOCODER": os.environ.get("GEOCODER") or "offline",
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT") or None,
        "TILE_URL": os.environ.get("TILE_URL") or None,
        "DATA_DIR": Path(os.environ.get("FINDER_DATA_DIR") or PROJECT_ROOT / "data"),
        # How long a provider who opens a slot's booking form keeps its place.
        "HOLD_SECONDS": int(_positive("HOLD_SECONDS", 600.0)),
        # How long aggregators may cache the published slots (Cache-Control: max-age).
        "PUBLISH_MAX_AGE_SECONDS": int(_positive("PUBLISH_MAX_AGE_SECONDS", 60.0)),
        "JSON_SORT_KEYS": False,
    }


def _positive(name: str, default: float) -> float:
    """A positive number of seconds from the environment, or a clear error at start-up."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise ValueError(f"{name} must be a number of seconds between 0 and 86400.")
    return value


def _public_url(raw: str) -> str:
    """The site's public address, or a clear error at start-up."""
    url = raw.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        usable = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and parts.port != 0
            and not (parts.username or parts.password or parts.query or parts.fragment)
        )
    except ValueError:
        usable = False
    if not usable:
        raise ValueError(
            "PUBLIC_URL must be an http:// or https:// address, e.g. https://finder.example.org."
        )
    return url


def _host_names(raw: str) -> list[str] | None:
    """Comma-separated host names; None when there are none."""
    names = [name.strip().lower() for name in raw.split(",") if name.strip()]
    return names or None


def _count(name: str) -> int:
    """A small whole number from the environment (0 when unset), or a clear error at start-up."""
    raw = os.environ.get(name) or "0"
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 10:
        raise ValueError(f"{name} must be a whole number from 0 to 10.")
    return value


def _instance_secret(instance: Path) -> str:
    """A key made once and kept in the instance folder, so sessions outlive a restart."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
