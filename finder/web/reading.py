"""How a request is read: a query string that is not UTF-8, and JSON bodies no sender means.

A query string's bytes that are not UTF-8 stay percent-encoded, as werkzeug already keeps invalid
percent-escapes, so that reading the parameters (or the language) never fails. JSON that nests
deeper than MAX_DEPTH, holds NaN or Infinity, or a string that is not text is as invalid as
malformed JSON: `request.get_json` treats it so, and the API answers 400 before any validation
(which could otherwise recurse as deep as the document).
"""

import json
import re
from typing import Any

from flask import Flask
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64  # levels of arrays and objects; the API's bodies use 3
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half of a UTF-16 pair: no character alone


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _check(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and lone surrogates, without recursion."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise ValueError("a string holds a lone surrogate")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((member, depth + 1) for member in item.values())
        else:
            pending.extend((member, depth + 1) for member in item)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, read strictly: a ValueError for anything no sender means."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
        _check(value)
        return value


class Request(FlaskRequest):
    """Flask's request, its query string made UTF-8."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query_string = readable_query(self.query_string)


def readable_query(raw: bytes) -> bytes:
    """The query string with each byte that is not UTF-8 percent-encoded."""
    try:
        raw.decode()
    except UnicodeDecodeError:
        # The error handler werkzeug registers for the same purpose in its own query parsing.
        return raw.decode(errors="werkzeug.url_quote").encode()
    return raw


def init_app(app: Flask) -> None:
    app.request_class = Request
    app.json = JSONProvider(app)
