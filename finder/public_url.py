"""Absolute links for messages: built from PUBLIC_URL, never from the request's Host."""

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_link(endpoint: str, *, public_url: str | None = None, **values: Any) -> str:
    """The address of `endpoint` on the public site, e.g. for a link in an email."""
    base = urlsplit(public_url or current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
