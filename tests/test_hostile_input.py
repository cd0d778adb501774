"""No server error for hostile input: a sweep over every route, method and parameter.

The routes come from the app's URL map, their parameters from the API's declared operations and,
for the pages, from the table below (a test keeps both complete). Every route is called signed
out and as each role that may call it, with the CSRF token a page's form would carry, so that
hostile values reach the views rather than the CSRF check. The full sweep runs on SQLite;
PostgreSQL gets each route's usual request as every caller, and as its first caller the hostile
values its storage treats otherwise than SQLite's. The sweep prints how many requests it sent.
"""

import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from finder.app import create_app
from finder.domain.availability import DAYS
from finder.web.access import declared
from tests.accounts import CENTER_X, csrf_token, signed_in_client
from tests.hostile import (
    FEW_TEXTS,
    HUGE,
    LONG,
    PATH_TEXTS,
    RAW,
    Route,
    Sweep,
    header_calls,
    hostile_app,
    hostile_calls,
    path_calls,
)

TODAY = date.today()
SOON = (TODAY + timedelta(days=3)).isoformat()
HOURS = {  # few slots a day: pages that list a week of them stay quick to render
    "weekly": [{"day": day, "start": "09:00", "end": "12:00"} for day in DAYS],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 2,
    "min_notice_hours": 0,
    "horizon_days": 14,
    "reminder_hours": [72, 24],
}
PATIENT = {
    "name": "Ignatius Fallowfield",
    "birth_date": "1958-02-11",
    "email": "patient@example.org",
    "phone": "+1 617 555 0100",
}
REFERRAL_FILTERS = {"stage": "referral", "center": CENTER_X, "overdue": "1"}
BOOKING_FORM = {
    "week": SOON,
    "slot_id": "{slot}",
    "patient_name": PATIENT["name"],
    "patient_birth_date": PATIENT["birth_date"],
    "patient_email": PATIENT["email"],
    "patient_phone": PATIENT["phone"],
    "patient_timezone": "America/Chicago",
    "indication": "LBCL",
    "product": "yescarta",
    "notes": "Relapsed after two lines.",
    "idempotency_key": "sweep-key-1",
}
NEW_REFERRAL = {
    "center_id": CENTER_X,
    "patient_name": "Philippa Thornbury",
    "patient_birth_date": "1962-07-30",
    "patient_email": "",
    "patient_phone": "",
    "home": "Boston, MA",
    "indication": "LBCL",
    "product": "yescarta",
    "rule": "us-2025",
    "stage": "referral",
    "note": "",
}
AUDIT_FILTERS = {
    "action": "sign_in",
    "actor": "{admin}",
    "target_type": "booking",
    "target_id": "1",
    "since": "2020-01-01",
    "until": SOON,
    "page": "2",
}
HOURS_FORM = {
    "mon-0-start": "09:00",
    "mon-0-end": "12:00",
    "slot_minutes": "60",
    "buffer_minutes": "0",
    "capacity": "2",
    "min_notice_hours": "0",
    "horizon_days": "14",
    "reminder_hours": "72, 24",
}
PASSWORD_FORM = {"token": "not-a-real-token", "password": "x" * 20, "confirm": "x" * 20}
# Each page's query and form fields, with a usual value; None: the page takes no form.
PAGES: dict[tuple[str, str], tuple[dict[str, str], dict[str, str] | None]] = {
    ("pages.search", "GET"): (
        {"near": "Boston, MA", "product": "yescarta", "indication": "LBCL", "limit": "5",
         "population": "adult", "max_minutes": "120", "rule": "us-2025", "lang": "es"},
        None,
    ),
    ("pages.center.show", "GET"): (
        {"near": "Boston, MA", "product": "yescarta", "rule": "us-2025", "lang": "es"}, None
    ),
    ("health.healthz", "GET"): ({}, None),
    ("account.sign_in", "GET"): ({"next": "/account"}, None),
    ("account.sign_in", "POST"): (
        {}, {"email": "nobody@example.org", "password": "wrong", "next": "/account"}
    ),
    ("account.sign_out", "POST"): ({}, {}),
    ("account.home", "GET"): ({}, None),
    ("settings.edit", "GET"): ({}, None),
    ("settings.save", "POST"): (
        {}, {"timezone": "America/Chicago", "language": "es", "hour_cycle": "12",
             "notices": "booked", "digest": "daily"},
    ),
    ("account.forgot_password", "GET"): ({}, None),
    ("account.forgot_password", "POST"): ({}, {"email": "nobody@example.org"}),
    ("account.reset_password", "GET"): ({"token": "not-a-real-token"}, None),
    ("account.reset_password", "POST"): ({}, PASSWORD_FORM),
    ("account.accept_invitation", "GET"): ({"token": "not-a-real-token"}, None),
    ("account.accept_invitation", "POST"): ({}, PASSWORD_FORM),
    ("admin.users", "GET"): ({}, None),
    ("admin.invite", "POST"): (
        {}, {"email": "new.staff@example.org", "role": "staff", "name": "New Staff",
             "practice": "", "centers": CENTER_X},
    ),
    ("admin.user", "GET"): ({}, None),
    ("admin.update_user", "POST"): ({}, {"role": "provider", "practice": "Q", "centers": ""}),
    ("admin.set_user_active", "POST"): ({}, {"active": "1"}),
    ("admin.resend_invitation", "POST"): ({}, {}),
    ("admin.audit_log", "GET"): (AUDIT_FILTERS, None),
    ("admin.export_audit_log", "GET"): (AUDIT_FILTERS, None),
    ("pages.booking.book_form", "GET"): ({"week": SOON, "tz": "America/Chicago"}, None),
    ("fhir.manifest", "GET"): ({}, None),
    ("fhir.locations", "GET"): ({}, None),
    ("fhir.schedules", "GET"): ({}, None),
    ("fhir.slots", "GET"): ({}, None),
    ("pages.booking.book_slot", "POST"): ({}, BOOKING_FORM),
    ("pages.bookings.index", "GET"): ({"tz": "America/Denver"}, None),
    ("pages.bookings.detail", "GET"): ({"tz": "America/Denver", "week": "2027-03-15"}, None),
    ("pages.bookings.invite", "GET"): ({}, None),
    ("pages.bookings.cancel_booking", "POST"): ({}, {"reason": "Patient unwell"}),
    ("pages.bookings.reschedule_booking", "POST"): ({}, {"slot_id": "{other_slot}"}),
    ("pages.referrals.dashboard", "GET"): (REFERRAL_FILTERS, None),
    ("pages.referrals.search", "POST"): ({}, {**REFERRAL_FILTERS, "search": "Fallow"}),
    ("pages.referrals.export", "GET"): (REFERRAL_FILTERS, None),
    ("pages.referrals.center_dashboard", "GET"): (REFERRAL_FILTERS, None),
    ("pages.referrals.center_search", "POST"): ({}, {**REFERRAL_FILTERS, "search": "Fallow"}),
    ("pages.referrals.center_export", "GET"): (REFERRAL_FILTERS, None),
    ("pages.referrals.new", "GET"): ({"center": CENTER_X}, None),
    ("pages.referrals.create", "POST"): ({}, NEW_REFERRAL),
    ("pages.referral.timeline", "GET"): ({}, None),
    ("pages.referral.save_plan", "POST"): ({}, {"planned_infusion": SOON, "home": "02115"}),
    ("pages.referral.record_next_stage", "POST"): (
        {}, {"stage": "consultation", "at": TODAY.isoformat(), "note": "Seen."}
    ),
    ("pages.referral.correct_last_entry", "POST"): (
        {}, {"stage": "referral", "at": TODAY.isoformat(), "note": "Wrong date."}
    ),
    ("staff.center", "GET"): ({}, None),
    ("waitlist.mine", "GET"): ({"center": CENTER_X}, None),
    ("waitlist.join", "POST"): (
        {}, {"center_id": CENTER_X, "from": TODAY.isoformat(), "to": SOON, "reference": "JD"}
    ),
    ("waitlist.withdraw", "POST"): ({}, {}),
    ("waitlist.center_list", "GET"): ({}, None),
    ("staff.hours", "GET"): ({}, None),
    ("staff.save_hours", "POST"): ({}, HOURS_FORM),
    ("staff.week", "GET"): ({"week": SOON}, None),
    ("staff.block_slot", "POST"): ({}, {"blocked": "1", "reason": "Room closed"}),
    ("staff.closures", "GET"): ({}, None),
    ("staff.add_closure", "POST"): ({}, {"start": SOON, "end": SOON, "reason": "Training"}),
    ("staff.remove_closure", "POST"): ({}, {}),
    ("staff.displaced_bookings", "GET"): ({}, None),
    ("staff.booking", "GET"): ({"week": "2027-03-15"}, None),
    ("staff.cancel_booking", "POST"): ({}, {"reason": "Center closed"}),
    ("staff.record_booking_outcome", "POST"): ({}, {"status": "completed"}),
    ("staff.reschedule_booking", "POST"): ({}, {"slot_id": "{other_slot}"}),
    ("staff.reminders.resend", "POST"): ({}, {}),
    ("center_profile.profile", "GET"): ({}, None),
    ("center_profile.save_profile", "POST"): (
        {}, {"products": ["breyanzi"], "populations": ["adult"], "phone": "617-632-3000",
             "referral_phone": "", "referral_fax": "", "referral_email": "a@example.org",
             "accepting_referrals": "yes", "outpatient": "", "languages": "English"},
    ),
    ("center_profile.revert", "POST"): ({}, {}),
    ("coverage.coverage_page", "GET"): (
        {"rule": "us-2025", "product": "BCMA", "state": "MA", "lang": "es"}, None
    ),
    ("coverage.coverage_csv", "GET"): ({"rule": "us-2025", "product": "BCMA", "state": "MA"}, None),
    ("coverage.plan_page", "POST"): (
        {}, {"rule": "us-2025", "product": "", "k": "2", "candidates": "Boston, MA"}
    ),
    ("static", "GET"): ({}, None),
}  # fmt: skip
# The API's query parameters and JSON bodies, with a usual value, by name.
API_QUERY = {
    "q": "02115", "near": "Boston, MA", "product": "yescarta", "indication": "LBCL",
    "population": "adult", "max_minutes": "120", "limit": "5", "rule": "us-2025",
    "from": TODAY.isoformat(), "to": SOON, "status": "booked", "stage": "referral",
    "center_id": CENTER_X, "overdue": "1", "state": "MA", "center": CENTER_X,
}  # fmt: skip
API_BODIES: dict[str, Any] = {
    "TokenRequest": {"email": "nobody@example.org", "password": "wrong"},
    "Availability": HOURS,
    "ClosureRequest": {"start": SOON, "end": SOON, "reason": "Training"},
    "BlockRequest": {"blocked": True, "reason": "Room closed"},
    "BookingRequest": {
        "slot_id": "{slot}", "patient": {**PATIENT, "timezone": "America/Chicago"},
        "indication": "LBCL", "product": "yescarta", "notes": "Relapsed.",
        "provider_timezone": "America/Denver",
    },
    "CancelRequest": {"reason": "Patient unwell"},
    "WaitlistRequest": {"from": TODAY.isoformat(), "to": SOON, "reference": "J.D/7"},
    "RescheduleRequest": {"slot_id": "{other_slot}"},
    "OutcomeRequest": {"status": "completed"},
    "ReferralRequest": {
        "center_id": CENTER_X, "patient": PATIENT, "home": "Boston, MA", "indication": "LBCL",
        "product": "yescarta", "rule": "us-2025", "stage": "referral", "note": "",
    },
    "ReferralSearch": {"search": "Fallow", "stage": "referral", "center_id": CENTER_X,
                       "overdue": False},
    "StageChange": {"stage": "consultation", "at": TODAY.isoformat(), "note": "",
                    "correction": False},
    "PlanChange": {"planned_infusion": SOON, "home": "02115"},
    "CenterProfile": {"products": ["Breyanzi"], "phone": "617-632-3000", "languages": ["English"],
                      "accepting_referrals": True},
    "CoveragePlanRequest": {"k": 2, "rule": "us-2025", "product": "BCMA",
                            "candidates": [{"label": "Bangor", "lat": 44.8, "lon": -68.78}]},
}  # fmt: skip
ROLE_ORDER = ("provider", "staff", "admin")  # who gets the hostile values when several may call
# PostgreSQL's share: what its storage treats otherwise than SQLite's (ids and numbers beyond
# its columns, text longer than a column, NUL and control characters, odd dates).
POSTGRES_TEXTS = (HUGE, "-1", "\x01\x1b[31m\x7f", "\u202e\U0001f600\ufeff", "9999-12-31", LONG)
POSTGRES_FRAGMENTS = (str(10**30), "-1", '"\\u0001"', '"\\ud800"', '"9999-12-31"', json.dumps(LONG))
ANSWERS = {200, 201, 202, 204, 302, 303, 308, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429}


@dataclass
class World:
    """The app with hours, a booking, its messages, a closure and a referral; a client per role."""

    app: Flask
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]
    ids: dict[str, str]


def _json(response) -> Any:
    assert response.status_code < 300, response.get_data(as_text=True)[:500]
    return response.get_json()


def make_world(app: Flask, accounts) -> World:
    clients = {"anonymous": app.test_client()}
    clients |= {
        role: signed_in_client(app, accounts[key])
        for role, key in (("provider", "provider_a"), ("staff", "staff_x"), ("admin", "admin"))
    }
    tokens = {role: csrf_token(client) for role, client in clients.items()}
    staff, provider = clients["staff"], clients["provider"]
    api = f"/api/v1/centers/{CENTER_X}"
    headers = {role: {"X-CSRF-Token": token} for role, token in tokens.items()}
    _json(staff.put(f"{api}/availability", json=HOURS, headers=headers["staff"]))
    slots = _json(provider.get(f"{api}/slots?from={SOON}"))["slots"]
    body = {"slot_id": slots[0]["id"], "patient": PATIENT, "indication": "LBCL"}
    booking = _json(provider.post("/api/v1/bookings", json=body, headers=headers["provider"]))
    closure = {"date": (TODAY + timedelta(days=12)).isoformat(), "reason": "Training"}
    closed = _json(staff.post(f"{api}/closures", json=closure, headers=headers["staff"]))
    referrals = _json(provider.get("/api/v1/referrals"))["referrals"]
    _json(staff.patch(api, json={"languages": ["English"]}, headers=headers["staff"]))
    changes = _json(staff.get(f"{api}/changes"))["changes"]
    asked = {"from": TODAY.isoformat(), "to": SOON, "reference": "JD"}
    waiting = _json(provider.post(f"{api}/waitlist", json=asked, headers=headers["provider"]))
    ids = {
        "center_id": CENTER_X,
        "booking_id": str(booking["id"]),
        "slot_id": str(slots[0]["id"]),
        "slot": str(slots[0]["id"]),
        "other_slot": str(slots[1]["id"]),
        "reminder_id": str(booking["reminders"][0]["id"]),
        "closure_id": str(closed["id"]),
        "referral_id": str(referrals[0]["id"]),
        "change_id": str(changes[0]["id"]),
        "user_id": str(accounts["provider_b"].id),  # nobody the sweep signs in as
        "admin": str(accounts["admin"].id),
        "filename": "vendor/leaflet/leaflet.js",
        "hold_id": _json(
            provider.post(f"/api/v1/slots/{slots[2]['id']}/hold", headers=headers["provider"])
        )["hold_id"],
        "state": "MA",
        "request_id": str(waiting["id"]),
    }
    return World(app, clients, tokens, ids)


def _filled(value: Any, ids: dict[str, str]) -> Any:
    """A usual value with the world's ids put in for {slot}, {admin}…"""
    if isinstance(value, dict):
        return {key: _filled(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, ids) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return ids[value[1:-1]]
    return value


def _json_ids(value: Any, ids: dict[str, str]) -> Any:
    """As _filled, with the ids in a JSON body as numbers."""
    if isinstance(value, dict):
        return {key: _json_ids(item, ids) for key, item in value.items()}
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return int(ids[value[1:-1]])
    return value


def routes(world: World, api: bool | None = None) -> Iterator[tuple[Route, Any]]:
    """Every rule and method of the URL map as a Route, with its access rule; only the API's
    (`api`) or only the others (not `api`), or all of them (None)."""
    app = world.app
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions[rule.endpoint]
        operation = getattr(view, "operation", None)
        if api is not None and api != (operation is not None):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"<\1>", rule.rule)
            variables = {name: world.ids[name] for name in rule.arguments}
            if operation is not None:
                query = {p.name: API_QUERY[p.name] for p in operation.query}
                body = API_BODIES[operation.body] if operation.body else None
                route = Route(method, path, rule.endpoint, variables, query, None,
                              _json_ids(body, world.ids))  # fmt: skip
            else:
                query, form = PAGES[(rule.endpoint, method)]
                route = Route(method, path, rule.endpoint, variables,
                              _filled(query, world.ids), _filled(form, world.ids))  # fmt: skip
            yield route, declared(app, rule.endpoint)


def callers(access: Any) -> list[str]:
    """Who calls a route: signed out for a public one, else each role that may."""
    if access.public:
        return ["anonymous"]
    return [role for role in ROLE_ORDER if access.roles and role in access.roles]


def run_sweep(world: World, *, full: bool, api: bool | None = None) -> dict[str, Sweep]:
    """Send every call, to the routes `routes(world, api)` gives. The first caller of a route
    gets every hostile value (`full`) or those PostgreSQL stores otherwise; the others, and the
    signed out, the usual request and hostile path variables (`full`) or the usual request."""
    sweeps = {role: Sweep(client, world.tokens[role]) for role, client in world.clients.items()}
    for route, access in routes(world, api):
        who = callers(access)
        if route.endpoint == "account.sign_out":
            who = ["anonymous"]  # as anyone else it ends the session the sweep goes on with
        calls = (
            [*hostile_calls(route), *header_calls(route)]
            if full
            else hostile_calls(
                route, texts=POSTGRES_TEXTS, fragments=POSTGRES_FRAGMENTS, whole=False
            )
        )
        for call in calls:
            sweeps[who[0]].send(call)
        for role in who[1:]:
            for call in (
                path_calls(route, texts=PATH_TEXTS, raw=RAW[:1]) if full else [route.usual()]
            ):
                sweeps[role].send(call)
        if not access.public:  # signed out: refused before any view, whatever the path holds
            for call in path_calls(route, texts=FEW_TEXTS, raw=()) if full else [route.usual()]:
                sweeps["anonymous"].send(call)
    return sweeps


@pytest.fixture
def app(make_app) -> Flask:
    return hostile_app(make_app)


def test_every_route_has_its_parameters_listed():
    app = create_app(
        {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "test", "GEOCODER": "offline"}
    )
    pages, query, bodies = set(), set(), set()
    for rule in app.url_map.iter_rules():
        operation = getattr(app.view_functions[rule.endpoint], "operation", None)
        if operation is None:
            pages |= {(rule.endpoint, m) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
        else:
            query |= {param.name for param in operation.query}
            bodies |= {operation.body} if operation.body else set()
    assert pages == set(PAGES)
    assert query <= set(API_QUERY) and bodies == set(API_BODIES)


def check_sweep(app: Flask, accounts, database_url: str, caplog, *, api: bool | None) -> None:
    """Run the sweep (full on SQLite, small on PostgreSQL) and find no server error in it."""
    full = database_url.startswith("sqlite:")
    started = time.process_time()
    sweeps = run_sweep(make_world(app, accounts), full=full, api=api)
    seconds = time.process_time() - started
    sent = sum(sweep.sent for sweep in sweeps.values())
    statuses: dict[int, int] = {}
    for sweep in sweeps.values():
        for status, count in sweep.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    which = {None: "every route", True: "API routes", False: "pages"}[api]
    print(
        f"\nhostile sweep ({'full' if full else 'small'}, {database_url.split(':')[0]}, {which}): "
        f"{sent} requests, {seconds:.0f} s of CPU; by status: {dict(sorted(statuses.items()))}"
    )
    failures = [
        f"{method} {path}: {what}\n    e.g. {example[:300]}"
        for sweep in sweeps.values()
        for (method, path, what), example in sweep.failures.items()
    ]
    assert not failures, f"{len(failures)} kinds of failure:\n" + "\n".join(failures)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert set(statuses) <= ANSWERS


# The full sweep of the pages here, of the API in tests/test_hostile_api.py, and the sweep on
# PostgreSQL in tests/test_hostile_postgres.py: three files, so test workers share them.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_hostile_request_to_a_page_is_a_server_error(app, accounts, database_url, caplog):
    check_sweep(app, accounts, database_url, caplog, api=False)
