"""Hostile requests for every route of the URL map, and a sweep that sends them and keeps score.

Each route is called with its usual, valid request first; then every path variable, every query
or form field it reads and every field of its JSON body is replaced in turn by each hostile value,
and the request as a whole is spoiled (its body, its encoding, its headers). A server error or an
uncaught exception is a failure; every other status is an answer.
"""

import json
import logging
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask
from flask.testing import FlaskClient

HUGE = "99999999999999999999"  # beyond 64 bits
LONG = "x" * 100_000
DEEP = 100_000

# Text for a query string, a form field or a path segment (sent UTF-8 and percent-encoded).
TEXTS: tuple[str, ...] = (
    "",
    HUGE,
    "9" * 5000,  # beyond Python's limit on the digits of an int
    "-1",
    "1.5",
    "\u0665\u00b2",  # an Arabic-Indic five and a superscript two: digits to str.isdigit()
    "\x01\x1b[31m\x7f",
    "\u202e\U0001f600\ufeff",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "Nowhere/Zone",
    "../../etc/passwd",
    LONG,
)  # a NUL is refused before any view reads a field: one request a route shows it (see NUL)
NUL = "\x00"
# Numbers and dates also go alone, the other parameters left to their defaults, which they meet
# in arithmetic (a first day of 9999-12-31 and the default span after it).
ALONE = (HUGE, "-1", "0001-01-01", "9999-12-31", "10000-01-01")
FEW_TEXTS = (HUGE, "\x01\x1b[31m\x7f", LONG)  # for what every route reads alike (`lang`)
PATH_TEXTS = (HUGE, "0", "\u0665\u00b2", "\x01\x1b[31m\x7f", "../../etc/passwd", LONG)
# Raw text for a query string or a path segment as a server hands it over: bad percent-encoding
# and bytes that are not UTF-8 (WSGI strings are bytes read as Latin-1).
RAW: tuple[str, ...] = ("\xff\xfe\xc0\xaf", "%ff%fe%zz", "%ed%a0%80")

# JSON text for a field of a JSON body: values JSON can hold, of every type.
FRAGMENTS: tuple[str, ...] = (
    "null",
    "true",
    "0",
    "-1",
    str(10**30),
    "1e400",  # read as infinity
    '""',
    '"\\u0001\\u001b"',
    '"\u0665\u00b2"',
    '"0001-01-01"',
    '"9999-12-31"',
    '"Nowhere/Zone"',
    '"../../etc/passwd"',
    json.dumps(LONG),
    "[]",
    "{}",
)
# Whole bodies for a JSON endpoint, sent as application/json: what no JSON reader should take,
# or should take only up to a point, wherever in the body it is.
BODIES: tuple[bytes, ...] = (
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"{",
    b'{"a": 1,}',
    b"\xef\xbb\xbf{}",
    b'{"\xff\xfe": "\xc0\xaf"}',
    b'{"a": NaN, "b": -Infinity}',
    b'{"a": "\\u0000"}',
    b'{"a": "\\ud800"}',  # a lone surrogate: not text in any encoding
    b'{"a": ' + b"9" * 5000 + b"}",  # beyond Python's limit on the digits of an int
    b'{"a": ' + b"[" * 65 + b"]" * 65 + b"}",
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"a": "' + b"x" * (1024 * 1024) + b'"}',  # past the request size limit
)
CONTENT_TYPES = (
    "text/plain",
    "multipart/form-data",
    "application/json; charset=utf-16",
    "x" * 5000,
)
_SLOT = "\ue000hostile\ue000"  # where a fragment goes in a JSON body: never in a real one


def hostile_app(make_app: Any) -> Flask:
    """The app with the small centers list, answering errors as a server does, not raising them."""
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    # The planner's default candidates: ZIP areas of 60,000 people or more, so that each plan
    # is measured in a second (the same code, fewer candidates than the default's 10,000).
    app: Flask = make_app(PROPAGATE_EXCEPTIONS=False, COVERAGE_CANDIDATE_PEOPLE=60_000)
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return app


@dataclass(frozen=True)
class Call:
    """One request: a route's usual request, or one with something hostile in it."""

    method: str
    path: str  # as in the URL map, with <name> for each variable
    variables: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str | list[str]] | None = None
    body: Any = None  # JSON, with _SLOT where a fragment goes
    fragment: str = ""
    raw_body: bytes | None = None
    content_type: str | None = None
    raw_query: str | None = None
    raw_path: bool = False  # the variables are raw WSGI text, not to be percent-encoded
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """A rule and method of the URL map, with what its usual request holds."""

    method: str
    path: str
    endpoint: str
    variables: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None
    body: Any = None

    def usual(self) -> Call:
        return Call(self.method, self.path, self.variables, self.query, self.form, self.body)


def path_calls(
    route: Route, *, texts: Sequence[str] = TEXTS, raw: Sequence[str] = RAW
) -> Iterator[Call]:
    """The route's usual request, then each hostile value in each path variable."""
    usual = route.usual()
    yield usual
    for name in route.variables:
        for text in texts:
            yield replace(usual, variables={**route.variables, name: quote(text, safe="")})
        for segment in raw:
            yield replace(usual, variables={**route.variables, name: segment}, raw_path=True)


def hostile_calls(
    route: Route,
    *,
    texts: Sequence[str] = TEXTS,
    fragments: Sequence[str] = FRAGMENTS,
    whole: bool = True,
) -> Iterator[Call]:
    """The path calls, each hostile value in each parameter, and (`whole`) the request spoiled
    as a whole: its query string, its body, its content type."""
    yield from path_calls(route, texts=texts, raw=RAW if whole else ())
    usual = route.usual()
    asked = route.query or {"lang": "es"}
    for name in asked:
        for text in texts if route.query else FEW_TEXTS:
            yield replace(usual, query={**asked, name: text})
        for text in ALONE if route.query and whole else ():
            yield replace(usual, query={name: text})
    if whole:
        for raw in RAW[:2]:
            yield replace(usual, raw_query=f"{urlencode(asked)}&{raw}={raw}")
        yield replace(usual, raw_query=f"{urlencode(asked)}&{urlencode(asked)}")  # each twice
        yield replace(usual, query={**asked, next(iter(asked)): NUL})
    if route.form is not None:
        yield from _form_calls(usual, route.form, texts, whole)
    if route.body is not None:
        yield from _json_calls(usual, route.body, fragments, whole)


def _form_calls(
    usual: Call, form: Mapping[str, str], texts: Sequence[str], whole: bool
) -> Iterator[Call]:
    for name in form:
        for text in texts:
            yield replace(usual, form={**form, name: text})
    if whole:
        yield replace(usual, form={name: "" for name in form})
        yield replace(usual, form={name: [value, value] for name, value in form.items()})
        yield replace(usual, form={**form, next(iter(form), "x"): NUL})
        yield replace(
            usual,
            raw_body=b"a=%zz&b=\xff\xfe&c&=&&",
            content_type="application/x-www-form-urlencoded",
        )
        for content_type in CONTENT_TYPES:
            yield replace(usual, content_type=content_type)


def _json_calls(usual: Call, body: Any, fragments: Sequence[str], whole: bool) -> Iterator[Call]:
    for where in _places(body):
        for fragment in fragments:
            yield replace(usual, body=_put(body, where, _SLOT), fragment=fragment)
    if whole:
        for raw in BODIES:
            yield replace(usual, body=None, raw_body=raw, content_type="application/json")
        for content_type in CONTENT_TYPES:
            yield replace(usual, content_type=content_type)


def _places(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every field and item of a JSON value (the value as a whole is one of BODIES)."""
    if at:
        yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*at, key))
    elif isinstance(value, list) and value:
        yield from _places(value[0], (*at, 0))


def _put(value: Any, where: tuple[Any, ...], new: Any) -> Any:
    if not where:
        return new
    head, rest = where[0], where[1:]
    if isinstance(value, dict):
        return {**value, head: _put(value[head], rest, new)}
    return [_put(value[0], rest, new), *value[1:]]


# Headers, grouped so that none of a group stops the request before the others are read.
HEADERS: tuple[Mapping[str, str], ...] = (
    {
        "Accept-Language": "\x01;q=NaN, es;q=1e400, ../../etc/passwd, " + "x-" * 2000,
        "Accept": "application/json;q=NaN, text/*;q=x",
        "Idempotency-Key": "\u00ff" * 300,
        "X-Forwarded-For": "not an address, ::ffff:1.2.3.4, " + "9" * 1000,
        "User-Agent": "\xff" * 100_000,
    },
    {"Authorization": "Bearer \x7f" + "A" * 100_000},
    {"X-CSRF-Token": "\u00ff" * 10_000},
    {"Cookie": "finder_session=not.signed\xff; __Host-session=" + "A" * 5000},
)
METHODS = ("PATCH",)


def header_calls(route: Route) -> Iterator[Call]:
    """The usual request with odd or oversized headers, and with methods no route takes."""
    usual = route.usual()
    for headers in HEADERS:
        yield replace(usual, headers=headers)
    for method in METHODS:
        yield replace(usual, method=method)


class Errors(logging.Handler):
    """The exceptions the app's error handler logs, each as where it was raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.seen.append(where(record.exc_info[1]))
        else:
            self.seen.append(record.getMessage()[:200])


def where(error: BaseException) -> str:
    """The exception's type and message, and the last line of ours it passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/finder/" in f.filename] or frames[-1:]
    place = f" at {ours[-1].filename.rsplit('/', 2)[-2:]}:{ours[-1].lineno}" if ours else ""
    return f"{type(error).__name__}: {str(error)[:120]}{place}"


@dataclass
class Sweep:
    """Sends calls as one client, counts them, and keeps each kind of failure once per route."""

    client: FlaskClient
    csrf: str | None = None
    sent: int = 0
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)

    def send(self, call: Call) -> int | None:
        self.sent += 1
        errors = Errors()
        logger = logging.getLogger("finder.web.errors")
        logger.addHandler(errors)
        try:
            response = self.client.open(**self._request(call))
            status = response.status_code
            text = response.get_data(as_text=True)  # runs a streamed body to its end
            response.close()
        except Exception as error:  # an exception that escaped the app: what the sweep looks for
            self._fail(call, f"raised {where(error)}")
            return None
        finally:
            logger.removeHandler(errors)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500 or errors.seen or "Traceback (most recent call last)" in text:
            self._fail(call, f"{status} {'; '.join(errors.seen) or text[:200]}")
        return status

    def _fail(self, call: Call, what: str) -> None:
        self.failures.setdefault((call.method, call.path, what), describe(call))

    def _request(self, call: Call) -> dict[str, Any]:
        path = call.path
        for name, value in call.variables.items():
            path = path.replace(f"<{name}>", value)
        headers = dict(call.headers)
        if self.csrf is not None and "X-CSRF-Token" not in headers:
            headers["X-CSRF-Token"] = self.csrf
        environ: dict[str, str] = {}
        if call.raw_path:
            environ["PATH_INFO"] = path
            path = "/"
        if call.raw_query is not None:
            environ["QUERY_STRING"] = call.raw_query
        request: dict[str, Any] = {
            "path": path,
            "method": call.method,
            "query_string": None if call.raw_query is not None else dict(call.query),
            "headers": headers,
            "environ_overrides": environ,
        }
        if call.raw_body is not None:
            request["data"] = call.raw_body
        elif call.form is not None:
            csrf = {"csrf_token": self.csrf} if self.csrf else {}
            request["data"] = {**csrf, **call.form}
        elif call.body is not None:
            text = json.dumps(call.body).replace(json.dumps(_SLOT), call.fragment)
            request["data"] = text.encode("utf-8", "surrogatepass")
            request["content_type"] = "application/json"
        if call.content_type is not None:
            request["content_type"] = call.content_type
        return request


def describe(call: Call) -> str:
    """The call in a line: what was hostile in it, shortened."""
    parts = [call.method, call.path]
    for name, value in call.variables.items():
        parts.append(f"{name}={value[:40]!r}")
    if call.query:
        parts.append(f"query={ {k: v[:40] for k, v in call.query.items()} }")
    if call.raw_query is not None:
        parts.append(f"raw_query={call.raw_query[:60]!r}")
    if call.form is not None:
        parts.append(f"form={ {k: str(v)[:40] for k, v in call.form.items()} }")
    if call.fragment:
        where = json.dumps(call.body)[:200]
        parts.append(f"json={where} with {call.fragment[:40]!r}")
    if call.raw_body is not None:
        parts.append(f"body={call.raw_body[:40]!r}")
    if call.content_type is not None:
        parts.append(f"content_type={call.content_type[:40]!r}")
    if call.headers:
        parts.append(f"headers={ {k: v[:40] for k, v in call.headers.items()} }")
    return " ".join(parts)
