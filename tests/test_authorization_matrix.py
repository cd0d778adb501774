"""Every route × every role, with the status each must get, generated from the route table.

A route the table below does not name fails `test_every_route_is_in_the_matrix`, so a new
route cannot ship without a decision on who may call it.
"""

from dataclasses import dataclass, field

import pytest

from finder.web.access import declared
from tests.accounts import CENTER_X, bearer_token, signed_in_client

ROLES = ("anonymous", "provider_a", "provider_b", "staff_x", "staff_y", "admin")


@dataclass(frozen=True)
class Case:
    """The access rule a route must declare, and its answer once access is granted."""

    access: str
    granted: int
    form: dict[str, str] = field(default_factory=dict)
    json: dict[str, object] | None = None


MATRIX: dict[tuple[str, str], Case] = {
    ("GET", "/"): Case("public", 200),
    ("GET", "/static/<path:filename>"): Case("public", 200),
    ("GET", "/centers/<center_id>"): Case("public", 200),
    ("GET", "/healthz"): Case("public", 200),
    ("GET", "/sign-in"): Case("public", 200),
    ("POST", "/sign-in"): Case("public", 401, form={"email": "x@example.org", "password": "x"}),
    ("POST", "/sign-out"): Case("public", 302),
    ("GET", "/password/forgot"): Case("public", 200),
    ("POST", "/password/forgot"): Case("public", 200, form={"email": "x@example.org"}),
    ("GET", "/password/reset"): Case("public", 400),
    ("POST", "/password/reset"): Case("public", 400),
    ("GET", "/invitation"): Case("public", 400),
    ("POST", "/invitation"): Case("public", 400),
    ("GET", "/account"): Case("signed in", 200),
    ("GET", "/account/settings"): Case("signed in", 200),
    ("POST", "/account/settings"): Case("signed in", 303, form={"hour_cycle": "24"}),
    # The provider's booking pages: an empty booking form is refused (400) and books nothing.
    ("GET", "/book/<center_id>"): Case("provider", 200),
    ("POST", "/book/<center_id>"): Case("provider", 400),
    ("GET", "/bookings"): Case("provider", 200),
    ("GET", "/bookings/<int:booking_id>"): Case("provider", 404),
    ("GET", "/bookings/<int:booking_id>/invite.ics"): Case("provider", 404),
    ("POST", "/bookings/<int:booking_id>/cancel"): Case("provider", 404),
    ("POST", "/bookings/<int:booking_id>/reschedule"): Case("provider", 404, form={"slot_id": "1"}),
    ("GET", "/staff/centers/<center_id>"): Case("staff of the center", 200),
    # The staff calendar pages: an empty hours or closure form is refused (400) and changes
    # nothing; slot, closure and booking ids that do not exist are 404 to whoever may look.
    ("GET", "/staff/centers/<center_id>/hours"): Case("staff of the center", 200),
    ("POST", "/staff/centers/<center_id>/hours"): Case("staff of the center", 400),
    ("GET", "/staff/centers/<center_id>/calendar"): Case("staff of the center", 200),
    ("POST", "/staff/centers/<center_id>/slots/<int:slot_id>/block"): Case(
        "staff of the center", 404, form={"blocked": "1"}
    ),
    ("GET", "/staff/centers/<center_id>/closures"): Case("staff of the center", 200),
    ("POST", "/staff/centers/<center_id>/closures"): Case("staff of the center", 400),
    ("POST", "/staff/centers/<center_id>/closures/<int:closure_id>/delete"): Case(
        "staff of the center", 404
    ),
    ("GET", "/staff/centers/<center_id>/displaced"): Case("staff of the center", 200),
    ("GET", "/staff/centers/<center_id>/bookings/<int:booking_id>"): Case(
        "staff of the center", 404
    ),
    ("POST", "/staff/centers/<center_id>/bookings/<int:booking_id>/cancel"): Case(
        "staff of the center", 404, form={"reason": "Center closed"}
    ),
    ("POST", "/staff/centers/<center_id>/bookings/<int:booking_id>/outcome"): Case(
        "staff of the center", 404, form={"status": "completed"}
    ),
    ("POST", "/staff/centers/<center_id>/bookings/<int:booking_id>/reschedule"): Case(
        "staff of the center", 404, form={"slot_id": "1"}
    ),
    (
        "POST",
        "/staff/centers/<center_id>/bookings/<int:booking_id>/reminders/<int:reminder_id>/resend",
    ): Case("staff of the center", 404),
    # The referral pages: a provider's dashboard (a name search is a POST), a new referral (an
    # empty form is refused, 400), and a center's referrals; a referral id nobody has is 404.
    ("GET", "/referrals"): Case("provider", 200),
    ("POST", "/referrals"): Case("provider", 200, form={"search": "Doe"}),
    ("GET", "/referrals.csv"): Case("provider", 200),
    ("GET", "/referrals/new"): Case("provider", 200),
    ("POST", "/referrals/new"): Case("provider", 400),
    ("GET", "/referrals/<int:referral_id>"): Case("signed in", 404),
    ("POST", "/referrals/<int:referral_id>/plan"): Case("signed in", 404),
    ("POST", "/referrals/<int:referral_id>/stage"): Case(
        "signed in", 404, form={"stage": "consultation"}
    ),
    ("POST", "/referrals/<int:referral_id>/correction"): Case(
        "signed in", 404, form={"stage": "referral", "note": "x"}
    ),
    ("GET", "/staff/centers/<center_id>/referrals"): Case("staff of the center", 200),
    ("POST", "/staff/centers/<center_id>/referrals"): Case(
        "staff of the center", 200, form={"search": "Doe"}
    ),
    ("GET", "/staff/centers/<center_id>/referrals.csv"): Case("staff of the center", 200),
    # The center's profile page: a post that is not the page's whole form changes nothing.
    ("GET", "/staff/centers/<center_id>/profile"): Case("staff of the center", 200),
    ("POST", "/staff/centers/<center_id>/profile"): Case("staff of the center", 400),
    ("POST", "/staff/centers/<center_id>/profile/changes/<int:change_id>/revert"): Case(
        "admin", 404
    ),
    ("GET", "/admin/users"): Case("admin", 200),
    ("POST", "/admin/users"): Case("admin", 400, form={"email": "not an email"}),
    ("GET", "/admin/users/<int:user_id>"): Case("admin", 200),
    ("POST", "/admin/users/<int:user_id>"): Case("admin", 400, form={"role": "nobody"}),
    ("POST", "/admin/users/<int:user_id>/active"): Case("admin", 302, form={"active": "1"}),
    ("POST", "/admin/users/<int:user_id>/invitation"): Case("admin", 302),
    ("GET", "/admin/audit"): Case("admin", 200),
    ("GET", "/admin/audit.csv"): Case("admin", 200),
    ("GET", "/api/v1/geocode"): Case("public", 200),
    ("GET", "/api/v1/centers"): Case("public", 200),
    ("GET", "/api/v1/centers/<center_id>"): Case("public", 200),
    # A profile change with no body is refused (400); a change id nobody has is 404.
    ("PATCH", "/api/v1/centers/<center_id>"): Case("staff of the center", 400),
    ("GET", "/api/v1/centers/<center_id>/changes"): Case("staff of the center", 200),
    ("POST", "/api/v1/centers/<center_id>/changes/<change_id>/revert"): Case("admin", 404),
    ("GET", "/api/v1/rules"): Case("public", 200),
    ("GET", "/api/v1/products"): Case("public", 200),
    ("GET", "/api/v1/openapi.json"): Case("public", 200),
    ("POST", "/api/v1/auth/token"): Case(
        "public", 401, json={"email": "x@example.org", "password": "wrong"}
    ),
    ("DELETE", "/api/v1/auth/token"): Case("signed in", 204),
    ("GET", "/api/v1/me"): Case("signed in", 200),
    ("GET", "/api/v1/centers/<center_id>/slots"): Case("public", 200),
    # No hours are published in this test: staff of the center get the clear 404 no_calendar.
    ("GET", "/api/v1/centers/<center_id>/availability"): Case("staff of the center", 404),
    ("PUT", "/api/v1/centers/<center_id>/availability"): Case(
        "staff of the center", 400, json={"weekly": []}
    ),
    ("GET", "/api/v1/centers/<center_id>/closures"): Case("staff of the center", 200),
    ("POST", "/api/v1/centers/<center_id>/closures"): Case(
        "staff of the center", 400, json={"reason": "x"}
    ),
    ("DELETE", "/api/v1/centers/<center_id>/closures/<closure_id>"): Case(
        "staff of the center", 404
    ),
    ("POST", "/api/v1/centers/<center_id>/slots/<slot_id>/block"): Case(
        "staff of the center", 404, json={"blocked": True}
    ),
    ("GET", "/api/v1/centers/<center_id>/bookings"): Case("staff of the center", 200),
    ("POST", "/api/v1/bookings"): Case("provider", 400, json={}),
    ("POST", "/api/v1/slots/<slot_id>/hold"): Case("provider", 404),
    ("DELETE", "/api/v1/holds/<hold_id>"): Case("provider", 404),
    # The waitlist: providers ask (an empty body is refused, 400) and withdraw their own (a
    # request nobody has is 404); everyone signed in lists what they may see.
    ("POST", "/api/v1/centers/<center_id>/waitlist"): Case("provider", 400, json={}),
    ("GET", "/api/v1/waitlist"): Case("signed in", 200),
    ("DELETE", "/api/v1/waitlist/<request_id>"): Case("provider", 404),
    ("GET", "/waitlist"): Case("provider", 200),
    ("POST", "/waitlist"): Case("provider", 400),
    ("POST", "/waitlist/<int:request_id>/withdraw"): Case("provider", 404),
    ("GET", "/staff/centers/<center_id>/waitlist"): Case("staff of the center", 200),
    ("GET", "/fhir/$bulk-publish"): Case("public", 200),
    ("GET", "/fhir/locations.ndjson"): Case("public", 200),
    ("GET", "/fhir/schedules.ndjson"): Case("public", 200),
    ("GET", "/fhir/slots-<state>.ndjson"): Case("public", 404),
    ("GET", "/api/v1/bookings"): Case("signed in", 200),
    # A booking id nobody has: whoever may look gets 404, like a booking of another tenant.
    ("GET", "/api/v1/bookings/<booking_id>"): Case("signed in", 404),
    ("POST", "/api/v1/bookings/<booking_id>/cancel"): Case("signed in", 404, json={}),
    ("POST", "/api/v1/bookings/<booking_id>/reschedule"): Case(
        "signed in", 404, json={"slot_id": 1}
    ),
    ("POST", "/api/v1/bookings/<booking_id>/outcome"): Case(
        "staff", 404, json={"status": "completed"}
    ),
    ("GET", "/api/v1/bookings/<booking_id>/ics"): Case("signed in", 404),
    # Staff of the booking's center and admins send a message again; providers may not.
    ("POST", "/api/v1/bookings/<booking_id>/reminders/<reminder_id>/resend"): Case("staff", 404),
    # Referrals: everyone signed in sees their own (none here); only providers and admins refer.
    # A referral id nobody has is 404 to whoever may look, like another tenant's.
    ("GET", "/api/v1/referrals"): Case("signed in", 200),
    ("POST", "/api/v1/referrals"): Case("provider", 400, json={}),
    ("POST", "/api/v1/referrals/search"): Case("signed in", 200, json={"search": "Doe"}),
    ("GET", "/api/v1/referrals/export.csv"): Case("signed in", 200),
    ("GET", "/api/v1/referrals/<int:referral_id>"): Case("signed in", 404),
    ("POST", "/api/v1/referrals/<int:referral_id>/stage"): Case(
        "signed in", 404, json={"stage": "consultation"}
    ),
    ("PUT", "/api/v1/referrals/<int:referral_id>/plan"): Case(
        "signed in", 404, json={"planned_infusion": None}
    ),
    # Coverage is public; planning sites is for staff and admins (a bad k is refused at once).
    ("GET", "/coverage"): Case("public", 200),
    ("GET", "/coverage.csv"): Case("public", 200),
    ("POST", "/coverage/plan"): Case("staff", 422, form={"k": "x"}),
    ("GET", "/api/v1/coverage"): Case("public", 200),
    ("POST", "/api/v1/coverage/plan"): Case("staff", 400, json={"k": 0}),
}

# What a role that the rule keeps out gets; staff of another center see no such record.
REFUSED = {"anonymous": "sign in", "wrong role": 403, "other tenant": 404}
ALLOWED_ROLES = {
    "public": set(ROLES),
    "signed in": set(ROLES) - {"anonymous"},
    "admin": {"admin"},
    "staff of the center": {"staff_x", "admin"},
    "provider": {"provider_a", "provider_b", "admin"},
    "staff": {"staff_x", "staff_y", "admin"},
}
QUERY = {"/api/v1/geocode": "?q=02115", "/api/v1/centers": "?near=02115", "/": "?near=02115"}


def routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule


def expected_status(case: Case, role: str, api: bool) -> int:
    if role in ALLOWED_ROLES[case.access]:
        return case.granted
    if role == "anonymous":
        return 401 if api else 302
    if case.access == "staff of the center" and role.startswith("staff"):
        return 404
    return 403


def test_every_route_is_in_the_matrix_with_the_access_it_declares(app):
    seen = set()
    for method, rule in routes(app):
        key = (method, rule.rule)
        seen.add(key)
        assert key in MATRIX, f"{method} {rule.rule} has no row in the authorization matrix"
        assert declared(app, rule.endpoint).name == MATRIX[key].access, key
    assert seen == set(MATRIX), "the matrix names routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_every_route(app, accounts, role):
    path_values = {
        "center_id": CENTER_X,
        "user_id": str(accounts["provider_a"].id),
        "path:filename": "css/site.css",
        # Records that do not exist: an allowed caller learns only that (404).
        "booking_id": "999999",
        "slot_id": "999999",
        "closure_id": "999999",
        "reminder_id": "999999",
        "referral_id": "999999",
        "change_id": "999999",
        "hold_id": "0" * 32,
        "request_id": "999999",
        "state": "ZZ",
    }
    failures = []
    callers: dict[bool, tuple] = {}  # one caller per kind (API or page), renewed after sign-out
    for method, rule in routes(app):
        case = MATRIX[(method, rule.rule)]
        path = rule.rule
        for name, value in path_values.items():
            path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
        api = path.startswith("/api/")
        if api not in callers:
            callers[api] = _caller(app, accounts, role, api)
        client, headers = callers[api]
        if method != "GET" and not api:
            with client.session_transaction() as session:
                form = {**case.form, "csrf_token": session.setdefault("csrf_token", "t" * 43)}
        else:
            form = case.form
        response = client.open(
            path + QUERY.get(path, ""),
            method=method,
            headers=headers,
            data=form if not api else None,
            json=case.json if api and method in ("POST", "PUT") else None,
        )
        response.close()
        if rule.rule in ("/sign-out", "/api/v1/auth/token") and method in ("POST", "DELETE"):
            callers.pop(api, None)  # that call ended the session or revoked the token
        wanted = expected_status(case, role, api)
        if response.status_code != wanted:
            failures.append(f"{method} {path}: {response.status_code}, expected {wanted}")
        if response.status_code == 302 and role == "anonymous" and case.access != "public":
            assert response.headers["Location"].startswith("/sign-in")
    assert failures == []


def _caller(app, accounts, role, api):
    if role == "anonymous":
        return app.test_client(), {}
    account = accounts[role]
    if api:
        return app.test_client(), {"Authorization": f"Bearer {bearer_token(app, account.email)}"}
    return signed_in_client(app, account), {}
