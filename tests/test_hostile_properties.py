"""Properties of the readers of hostile input, and of the app under generated requests.

The readers (query parameters, record ids, request JSON) answer any text with a value or their
own refusal, never another exception. The app answers generated query strings, form fields and
JSON bodies with a status below 500. Seeded: the same examples on every run of the same tree.
"""

import contextlib
import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from finder.web.errors import BadRequest
from finder.web.ids import MAX_ID, record_id
from finder.web.params import Param, parse_query
from finder.web.reading import MAX_DEPTH, JSONProvider, readable_query
from tests.accounts import CENTER_X, csrf_token, signed_in_client
from tests.hostile import hostile_app

SEEDED = settings(derandomize=True, database=None, deadline=None)
READER = JSONProvider(Flask(__name__))
PARAMS = (
    Param("text", max_length=50),
    Param("whole", kind="integer", minimum=1, maximum=500),
    Param("number", kind="number", minimum=1, maximum=1440),
    Param("day", kind="date"),
)
# Text as hostile senders write it: any character, digits of every script, dates and numbers.
hostile_text = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"\A[0-9\-+.eE_ ]{0,30}\Z"),
    st.from_regex(r"\A\d{1,6}-\d{1,3}-\d{1,3}\Z"),
    st.integers().map(str),
    st.sampled_from(["NaN", "inf", "-0", "1e400", "٥", "²", "10000-01-01", "9999-12-31"]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(SEEDED, max_examples=400)
@given(st.dictionaries(st.sampled_from([p.name for p in PARAMS] + ["other"]), hostile_text))
def test_query_parameters_are_read_or_refused_as_a_bad_request(args):
    try:
        values = parse_query(PARAMS, MultiDict(args))
    except BadRequest as error:
        assert error.status in (400, 422) and error.fields
        return
    assert values["whole"] is None or 1 <= values["whole"] <= 500
    assert values["day"] is None or 1900 <= values["day"].year <= 2999


@settings(SEEDED, max_examples=400)
@given(hostile_text | st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_a_record_id_is_a_number_a_column_holds_or_none(text):
    number = record_id(text)
    if number is None:
        digits = text.isascii() and text.isdigit() and len(text) <= 10
        assert not digits or not 0 < int(text) <= MAX_ID
    else:
        assert 1 <= number <= MAX_ID and str(number) == text.lstrip("0")


@settings(SEEDED, max_examples=300)
@given(json_values)
def test_request_json_reads_what_json_writes(value):
    assert READER.loads(json.dumps(value)) == value


@settings(SEEDED, max_examples=200)
@given(st.integers(1, 5000), st.booleans())
def test_request_json_refuses_nesting_beyond_the_limit_without_recursing(depth, objects):
    text = '{"a":' * depth + "0" + "}" * depth if objects else "[" * depth + "]" * depth
    if depth <= MAX_DEPTH:
        READER.loads(text)
    else:
        with pytest.raises(ValueError, match="levels deep"):
            READER.loads(text)


@settings(SEEDED, max_examples=300)
@given(st.binary(max_size=200))
def test_request_json_answers_any_bytes_with_a_value_or_a_value_error(data):
    with contextlib.suppress(ValueError):
        READER.loads(data)


@settings(SEEDED, max_examples=300)
@given(st.binary(max_size=100))
def test_a_query_string_is_made_utf8_and_left_alone_when_it_is(raw):
    readable = readable_query(raw)
    readable.decode()
    try:
        assert readable == raw.decode().encode()
    except UnicodeDecodeError:
        assert readable != raw


# The app under generated requests --------------------------------------------------------------


@pytest.fixture
def app(make_app) -> Flask:
    return hostile_app(make_app)


def report(what: str, database_url: str, count: int) -> None:
    print(f"\nhostile properties ({what}, {database_url.split(':')[0]}): {count} requests")


def _examples(database_url: str, full: int) -> settings:
    """Fewer examples on PostgreSQL: every storage test runs on both databases."""
    count = full if database_url.startswith("sqlite:") else max(10, full // 5)
    return settings(
        SEEDED,
        max_examples=count,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


QUERY_ROUTES = (
    "/",
    "/api/v1/centers",
    "/api/v1/geocode",
    f"/api/v1/centers/{CENTER_X}/slots",
    "/api/v1/bookings",
    "/api/v1/referrals",
    "/admin/audit",
    f"/staff/centers/{CENTER_X}/calendar",
    f"/book/{CENTER_X}",
    "/referrals",
)
QUERY_NAMES = ["near", "q", "from", "to", "page", "actor", "since", "until", "week", "tz", "lang"]


def test_generated_query_strings_never_make_a_server_error(app, accounts, database_url):
    sent: list[int] = []
    client = signed_in_client(app, accounts["admin"])

    @_examples(database_url, 150)
    @given(
        st.sampled_from(QUERY_ROUTES),
        st.lists(st.tuples(st.sampled_from(QUERY_NAMES) | st.text(max_size=5), hostile_text)),
        st.binary(max_size=40),
    )
    def check(path: str, pairs: list[tuple[str, str]], raw: bytes) -> None:
        sent.append(2)
        response = client.get(path, query_string=pairs)
        assert response.status_code < 500, (path, pairs)
        query = raw.decode("latin-1")
        response = client.get(path, environ_overrides={"QUERY_STRING": query})
        assert response.status_code < 500, (path, raw)

    check()
    report("query strings", database_url, sum(sent))


JSON_ROUTES = (
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/bookings"),
    ("POST", "/api/v1/referrals"),
    ("POST", "/api/v1/referrals/search"),
    ("PUT", f"/api/v1/centers/{CENTER_X}/availability"),
    ("POST", f"/api/v1/centers/{CENTER_X}/closures"),
)
FIELDS = ["email", "password", "slot_id", "patient", "weekly", "date", "reason", "search", "at"]


def test_generated_json_bodies_never_make_a_server_error(app, accounts, database_url):
    sent: list[int] = []
    client = signed_in_client(app, accounts["admin"])
    headers = {"X-CSRF-Token": csrf_token(client)}
    body = st.one_of(json_values, st.dictionaries(st.sampled_from(FIELDS), json_values))

    @_examples(database_url, 150)
    @given(st.sampled_from(JSON_ROUTES), body)
    def check(route: tuple[str, str], document: Any) -> None:
        sent.append(1)
        method, path = route
        response = client.open(path, method=method, json=document, headers=headers)
        assert response.status_code < 500, (route, document)

    check()
    report("JSON bodies", database_url, sum(sent))


FORM_ROUTES = (
    "/sign-in",
    "/referrals/new",
    f"/book/{CENTER_X}",
    f"/staff/centers/{CENTER_X}/hours",
    f"/staff/centers/{CENTER_X}/closures",
)
FORM_NAMES = [
    "email", "password", "center_id", "patient_name", "patient_birth_date", "home", "slot_id",
    "week", "mon-0-start", "mon-0-end", "capacity", "reminder_hours", "start", "end", "reason",
]  # fmt: skip


def test_generated_forms_never_make_a_server_error(app, accounts, database_url):
    sent: list[int] = []
    client = signed_in_client(app, accounts["admin"])
    token = csrf_token(client)

    @_examples(database_url, 100)
    @given(st.sampled_from(FORM_ROUTES), st.dictionaries(st.sampled_from(FORM_NAMES), hostile_text))
    def check(path: str, form: dict[str, str]) -> None:
        sent.append(1)
        response = client.post(path, data={**form, "csrf_token": token})
        assert response.status_code < 500, (path, form)

    check()
    report("forms", database_url, sum(sent))
