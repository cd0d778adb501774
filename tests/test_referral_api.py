"""The referral API on SQLite and PostgreSQL: providers refer patients and everyone with a right
to the referral follows and moves its journey; another tenant's referral is 404; bad input is a
clear 4xx that changes nothing; the patient's name never reaches a URL or a log."""

import csv
import http.client
import io
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, insert, select
from werkzeug.serving import make_server

from finder.storage import db
from finder.storage.models import AuditEventRow, ReferralEventRow, ReferralRow, ReminderRow
from tests.accounts import CENTER_X, CENTER_Y, bearer_token

PATIENT = {"name": "Alex Doe", "birth_date": "1960-05-01", "email": "alex@example.org"}
AUCATZYL_CENTER = "city-of-hope-duarte"  # the fixture's one center giving Aucatzyl
BOSTON = ZoneInfo("America/New_York")


class Api:
    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, body, **kw):
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers, **kw)

    def put(self, path: str, body, **kw):
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers, **kw)


class Callers(dict):
    """An API caller per account, signed in on first use (each sign-in hashes a password)."""

    def __init__(self, app: Flask, accounts) -> None:
        super().__init__()
        self.app, self.accounts = app, accounts

    def __missing__(self, key: str) -> Api:
        self[key] = Api(self.app, bearer_token(self.app, self.accounts[key].email))
        return self[key]


@pytest.fixture
def api(app: Flask, accounts) -> Callers:
    return Callers(app, accounts)


def body(**changes) -> dict:
    made = {"center_id": CENTER_X, "patient": dict(PATIENT), "indication": "LBCL"}
    made.update(changes)
    return made


def create(api, who: str = "provider_a", **changes) -> dict:
    response = api[who].post("/referrals", body(**changes))
    assert response.status_code == 201, response.json
    return response.json


def stage(api, who: str, referral_id: int, to: str, **more):
    return api[who].post(f"/referrals/{referral_id}/stage", {"stage": to, **more})


def today_at(zone: ZoneInfo = BOSTON) -> date:
    return datetime.now(UTC).astimezone(zone).date()


def count(app: Flask, model, *where) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model).where(*where)) or 0


def audit(app: Flask) -> list[tuple[str, str, str, str | None, str]]:
    with app.app_context():
        rows = db.session().scalars(select(AuditEventRow).order_by(AuditEventRow.id))
        return [(r.action, r.actor_role, r.target_id, r.center_id, r.target_type) for r in rows]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return sorted(item["id"] for item in response.json["referrals"])


# Referring ---------------------------------------------------------------------------------------


def test_a_provider_refers_a_patient(app, api):
    made = create(api, home="02115", product="yescarta", note="Relapsed after two lines.")
    assert made["center_id"] == CENTER_X and made["center_name"] == "Dana-Farber Cancer Institute"
    assert made["timezone"] == "America/New_York"
    assert made["patient"] == {**PATIENT, "phone": ""}
    assert made["home"] == {"label": "Boston, MA 02115", "precision": "zip"}
    assert (made["stage"], made["stage_label"], made["rule"]) == ("referral", "referral", "us-2025")
    assert made["stage_since"] == today_at().isoformat() and made["days_in_stage"] == 0
    assert made["overdue"] == [] and made["next_appointment"] is None
    assert made["planned_infusion"] is None
    [entry] = made["history"]
    assert entry["stage"] == "referral" and entry["note"] == "Relapsed after two lines."
    assert entry["by"] == made["provider_id"] and entry["superseded"] is False
    assert (
        datetime.fromisoformat(made["created_at"]).utcoffset() == datetime.now(BOSTON).utcoffset()
    )
    # No infusion recorded or planned: no plan yet.
    assert not {"stay_until", "no_driving_until", "within_proximity", "plan"} & set(made)
    assert ("referral_created", "provider", str(made["id"]), CENTER_X, "referral") in audit(app)


def test_a_referral_may_start_at_eligibility_under_another_rule(api):
    made = create(api, stage="eligibility", rule="eu", home="Worcester, MA", indication="")
    assert (made["stage"], made["rule"], made["indication"]) == ("eligibility", "eu", "")
    assert made["home"]["precision"] == "city"


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"center_id": "no-such-center"}, 422, "invalid_referral", "center_id"),
        ({"patient": {**PATIENT, "birth_date": "2999-01-01"}}, 422, "invalid_referral",
         "patient.birth_date"),
        ({"patient": {**PATIENT, "birth_date": "1960-02-30"}}, 422, "invalid_referral",
         "patient.birth_date"),
        ({"patient": {**PATIENT, "email": "not an email"}}, 422, "invalid_referral",
         "patient.email"),
        ({"indication": "XYZ"}, 422, "invalid_referral", "indication"),
        ({"product": "nothing"}, 422, "invalid_referral", "product"),
        ({"product": "yescarta", "indication": "MM"}, 422, "not_on_label", "product"),
        ({"product": "aucatzyl", "indication": "B-ALL"}, 422, "not_offered", "product"),
        ({"rule": "mars-2099"}, 422, "invalid_referral", "rule"),
        ({"home": "<script>"}, 422, "invalid_location", "home"),
        ({"note": "x" * 501}, 422, "invalid_stage_change", "note"),
        ({"note": "bell\u0007"}, 400, "bad_request", "note"),
        ({"stage": "consultation"}, 400, "bad_request", "stage"),
        ({"center_id": "Not An Id"}, 400, "bad_request", "center_id"),
        ({"patient": {"name": "   ", "birth_date": "1960-05-01"}}, 400, "bad_request",
         "patient.name"),
        ({"patient": {"name": "A"}}, 400, "bad_request", "patient.birth_date"),
        ({"patient": {**PATIENT, "timezone": "UTC"}}, 400, "bad_request", "patient"),
        ({"surprise": 1}, 400, "bad_request", "body"),  # an unknown field
    ],
)  # fmt: skip
def test_bad_referrals_are_refused_and_change_nothing(app, api, changes, status, code, field):
    response = api["provider_a"].post("/referrals", body(**changes))
    assert response.status_code == status, response.json
    assert response.json["error"] == code
    assert field in response.json.get("fields", {}), response.json
    assert "Alex" not in response.get_data(as_text=True)
    assert count(app, ReferralRow) == 0


def test_a_home_that_cannot_be_found_is_a_422_that_never_repeats_it(app, api):
    response = api["provider_a"].post("/referrals", body(home="Secretville, ZZ"))
    assert response.status_code == 422 and response.json["error"] == "location_not_found"
    assert "Secret" not in response.get_data(as_text=True)
    assert count(app, ReferralRow) == 0


def test_malformed_bodies_are_400(api):
    client = api["provider_a"]
    headers = {**client.headers, "Content-Type": "application/json"}
    assert client.client.post("/api/v1/referrals", data="{", headers=headers).status_code == 400
    response = client.client.post("/api/v1/referrals", data="x", headers=client.headers)
    assert response.status_code == 400
    assert client.post("/referrals", []).status_code == 400
    assert client.post("/referrals", {}).json["fields"] == {
        "center_id": "required",
        "patient": "required",
    }


def test_a_second_open_referral_of_the_same_patient_is_a_conflict(app, api):
    first = create(api)
    again = api["provider_a"].post("/referrals", body(patient={**PATIENT, "name": "ALEX DOE"}))
    assert again.status_code == 409 and again.json["error"] == "referral_exists"
    assert str(first["id"]) in again.json["message"]
    assert create(api, "provider_b")["id"] != first["id"]  # another provider's patient record
    assert create(api, center_id=CENTER_Y)["center_id"] == CENTER_Y  # another center
    assert stage(api, "provider_a", first["id"], "declined").status_code == 200
    assert create(api)["id"] != first["id"]  # the first is closed: a new referral


def test_only_providers_and_admins_refer(app, api):
    for who in ("staff_x", "staff_y"):
        assert api[who].post("/referrals", body()).status_code == 403
    assert app.test_client().post("/api/v1/referrals", json=body()).status_code == 401
    assert create(api, "admin")["stage"] == "referral"


# Reading -----------------------------------------------------------------------------------------


@pytest.fixture
def three(api) -> dict[str, dict]:
    """Alex (provider A, center X), Bea (provider A, center Y), Cy (provider B, center X)."""
    return {
        "alex": create(api),
        "bea": create(api, center_id=CENTER_Y, patient={**PATIENT, "name": "Bea Roe"}),
        "cy": create(api, "provider_b", stage="eligibility", patient={**PATIENT, "name": "Cy Poe"}),
    }


def test_each_role_lists_only_what_it_may_see(app, api, three):
    alex, bea, cy = (three[k]["id"] for k in ("alex", "bea", "cy"))
    assert ids(api["provider_a"].get("/referrals")) == sorted([alex, bea])
    assert ids(api["provider_b"].get("/referrals")) == [cy]
    assert ids(api["staff_x"].get("/referrals")) == sorted([alex, cy])
    assert ids(api["staff_y"].get("/referrals")) == [bea]
    assert ids(api["admin"].get("/referrals")) == sorted([alex, bea, cy])
    assert app.test_client().get("/api/v1/referrals").status_code == 401
    assert [a[0] for a in audit(app)].count("referrals_listed") == 5


def test_the_list_filters_by_stage_center_and_overdue(api, three):
    admin = api["admin"]
    assert ids(admin.get("/referrals?stage=eligibility")) == [three["cy"]["id"]]
    assert ids(admin.get(f"/referrals?center_id={CENTER_Y}")) == [three["bea"]["id"]]
    query = f"/referrals?stage=referral&center_id={CENTER_X}"
    assert ids(admin.get(query)) == [three["alex"]["id"]]
    assert ids(admin.get("/referrals?overdue=1")) == []  # all made today
    assert len(ids(admin.get("/referrals?overdue=0"))) == 3
    assert ids(api["staff_x"].get(f"/referrals?center_id={CENTER_Y}")) == []


@pytest.mark.parametrize(
    "query",
    ["stage=nowhere", "overdue=yes", "center_id=Bad%20Id", "center_id=%20", "search=Alex",
     "stage=referral&stage=consultation", "page=2"],
)  # fmt: skip
def test_bad_filters_are_400(api, query):
    response = api["admin"].get(f"/referrals?{query}")
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert api["admin"].get(f"/referrals/export.csv?{query}").status_code == 400


def test_a_name_is_searched_by_post(app, api, three):
    search = api["staff_x"].post("/referrals/search", {"search": "doe"})
    assert ids(search) == [three["alex"]["id"]]
    admin = api["admin"]
    assert ids(admin.post("/referrals/search", {"search": "ROE bea"})) == [three["bea"]["id"]]
    found = admin.post("/referrals/search", {"search": "o", "stage": "referral"})
    assert ids(found) == sorted([three["alex"]["id"], three["bea"]["id"]])
    found = admin.post("/referrals/search", {"search": "o", "center_id": CENTER_X})
    assert ids(found) == sorted([three["alex"]["id"], three["cy"]["id"]])
    assert ids(admin.post("/referrals/search", {"search": "o", "overdue": True})) == []
    assert ids(api["provider_b"].post("/referrals/search", {"search": "doe"})) == []
    assert ids(admin.post("/referrals/search", {"search": "%"})) == []
    for bad in ({}, {"search": ""}, {"search": "  "}, {"search": "x" * 101}, {"search": 5},
                {"search": "x", "stage": "nowhere"}, {"search": "x", "name": "y"}):  # fmt: skip
        assert admin.post("/referrals/search", bad).status_code == 400, bad
    assert ("referrals_searched", "admin", "", None, "referral") in audit(app)


def test_one_referral_is_404_to_every_other_tenant(app, api, three):
    alex = three["alex"]["id"]
    for who in ("provider_a", "staff_x", "admin"):
        response = api[who].get(f"/referrals/{alex}")
        assert response.status_code == 200 and response.json["patient"]["name"] == "Alex Doe"
    for who in ("provider_b", "staff_y"):
        response = api[who].get(f"/referrals/{alex}")
        assert response.status_code == 404 and response.json["error"] == "not_found"
        assert "Alex" not in response.get_data(as_text=True)
    for missing in ("999999", "0", "abc", "-1", "99999999999", "1.0"):
        assert api["admin"].get(f"/referrals/{missing}").status_code == 404
    assert app.test_client().get(f"/api/v1/referrals/{alex}").status_code == 401
    viewed = [a for a in audit(app) if a[0] == "referral_viewed"]
    assert viewed == [("referral_viewed", role, str(alex), CENTER_X, "referral")
                      for role in ("provider", "staff", "admin")]  # fmt: skip


# The journey -------------------------------------------------------------------------------------


def notifications(app: Flask, referral_id: int) -> int:
    return count(app, ReminderRow, ReminderRow.referral_id == referral_id)


def test_the_centers_staff_and_the_provider_move_the_stage(app, api, three):
    alex = three["alex"]["id"]
    moved = stage(api, "staff_x", alex, "consultation", note="Seen by Dr. Lee")
    assert moved.status_code == 200, moved.json
    assert moved.json["stage"] == "consultation" and len(moved.json["history"]) == 2
    assert moved.json["history"][-1]["at"] == today_at().isoformat()
    assert notifications(app, alex) == 1  # the provider hears of it
    assert stage(api, "provider_a", alex, "benefits").status_code == 200
    assert notifications(app, alex) == 1  # not of their own move
    assert stage(api, "admin", alex, "leukapheresis").status_code == 200
    assert notifications(app, alex) == 2
    for who in ("provider_b", "staff_y"):
        refused = stage(api, who, alex, "manufacturing")
        assert refused.status_code == 404 and refused.json["error"] == "not_found"
    assert count(app, ReferralEventRow, ReferralEventRow.referral_id == alex) == 4
    recorded = [a for a in audit(app) if a[0] == "referral_stage_recorded"]
    assert [a[1] for a in recorded] == ["staff", "provider", "admin"]


def test_a_move_the_journey_refuses_is_422_with_the_reason(app, api, three):
    alex = three["alex"]["id"]
    refused = stage(api, "staff_x", alex, "infusion")
    assert refused.status_code == 422 and refused.json["error"] == "stage_not_allowed"
    assert refused.json["message"] == (
        "Infusion cannot come before consultation, leukapheresis, manufacturing and "
        "lymphodepletion; this referral is at referral."
    )
    back = stage(api, "staff_x", alex, "eligibility")
    assert back.status_code == 422 and "record a correction" in back.json["message"]
    assert count(app, ReferralEventRow, ReferralEventRow.referral_id == alex) == 1


@pytest.mark.parametrize(
    ("extra", "status", "code", "field"),
    [
        ({"at": "2999-01-01"}, 422, "invalid_stage_change", "at"),
        ({"at": "2000-01-01"}, 422, "invalid_stage_change", "at"),  # before the referral
        ({"at": "2025-02-30"}, 422, "invalid_stage_change", "at"),
        ({"at": "tomorrow"}, 400, "bad_request", "at"),
        ({"note": "x" * 501}, 422, "invalid_stage_change", "note"),
        ({"note": "nul\u0001"}, 400, "bad_request", "note"),
        ({"entry": 0}, 422, "invalid_stage_change", "entry"),
        ({"stage": "referral", "correction": True}, 422, "invalid_stage_change", "note"),
        ({"correction": True, "note": "x", "entry": 7}, 422, "invalid_stage_change", "entry"),
        ({"correction": "yes"}, 400, "bad_request", "correction"),
        ({"stage": "nowhere"}, 400, "bad_request", "stage"),
        ({"by": 3}, 400, "bad_request", "body"),
    ],
)  # fmt: skip
def test_bad_stage_changes_are_refused_and_change_nothing(
    app, api, three, extra, status, code, field
):
    alex = three["alex"]["id"]
    response = api["staff_x"].post(f"/referrals/{alex}/stage", {"stage": "consultation", **extra})
    assert response.status_code == status, response.json
    assert response.json["error"] == code and field in response.json["fields"], response.json
    assert count(app, ReferralEventRow, ReferralEventRow.referral_id == alex) == 1
    assert notifications(app, alex) == 0


def test_a_correction_appends_and_supersedes(app, api, three):
    alex = three["alex"]["id"]
    stage(api, "staff_x", alex, "consultation")
    stage(api, "staff_x", alex, "leukapheresis")
    fixed = stage(api, "staff_x", alex, "benefits", correction=True, note="It was the benefits")
    assert fixed.status_code == 200, fixed.json
    history = fixed.json["history"]
    assert [(h["stage"], h["superseded"], h["correction_of"]) for h in history] == [
        ("referral", False, None),
        ("consultation", False, None),
        ("leukapheresis", True, None),
        ("benefits", False, 2),
    ]
    assert fixed.json["stage"] == "benefits"
    # The consultation has not happened yet after all: restating referral withdraws it.
    again = stage(api, "provider_a", alex, "referral", correction=True, note="Not yet", entry=1)
    assert again.status_code == 200 and again.json["stage"] == "referral"
    assert [h["superseded"] for h in again.json["history"]] == [False, True, True, True, False]
    assert count(app, ReferralEventRow, ReferralEventRow.referral_id == alex) == 5
    assert [a[0] for a in audit(app)].count("referral_stage_corrected") == 2


def test_a_change_made_meanwhile_is_409(app, api, three, monkeypatch):
    """Another request records a stage between this one's reading and writing."""
    from finder.referrals import use_cases

    alex = three["alex"]["id"]
    found = use_cases.find_referral

    def read_then_overtaken(session, actor, referral_id):
        referral = found(session, actor, referral_id)
        assert len(referral.events) == 1  # what this request read
        session.execute(
            insert(ReferralEventRow).values(
                referral_id=referral.id, position=1, stage="consultation",
                at=today_at(), by_user_id=None, note="", recorded_at=datetime.now(UTC),
            )
        )  # fmt: skip
        return referral

    monkeypatch.setattr(use_cases, "find_referral", read_then_overtaken)
    response = stage(api, "staff_x", alex, "consultation")
    assert response.status_code == 409 and response.json["error"] == "referral_changed"
    assert "Reload" in response.json["message"]
    monkeypatch.undo()
    assert count(app, ReferralEventRow, ReferralEventRow.referral_id == alex) == 1
    assert notifications(app, alex) == 0


# The plan ----------------------------------------------------------------------------------------


PLAN_FIELDS = {"stay_until", "no_driving_until", "within_proximity", "plan"}


def test_the_plan_appears_once_an_infusion_is_planned(app, api):
    made = create(api, home="02115")
    assert not PLAN_FIELDS & set(made)
    planned = today_at() + timedelta(days=30)
    response = api["staff_x"].put(
        f"/referrals/{made['id']}/plan", {"planned_infusion": planned.isoformat()}
    )
    assert response.status_code == 200, response.json
    got = response.json
    assert got["planned_infusion"] == planned.isoformat() and got["rule"] == "us-2025"
    assert got["stay_until"] == (planned + timedelta(days=14)).isoformat()
    assert got["no_driving_until"] == (planned + timedelta(days=14)).isoformat()
    assert got["within_proximity"] is True
    assert got["plan"]["planned"] is True and got["plan"]["lodging_needed"] is False
    assert got["plan"]["drive_minutes"] < 120
    # Home moves far away: lodging is needed.
    moved = api["provider_a"].put(f"/referrals/{made['id']}/plan", {"home": "Houston, TX"})
    assert moved.status_code == 200, moved.json
    assert moved.json["home"] == {"label": "Houston, TX", "precision": "city"}
    assert moved.json["within_proximity"] is False and moved.json["plan"]["lodging_needed"]
    assert moved.json["planned_infusion"] == planned.isoformat()  # untouched
    # Home forgotten: the plan cannot say.
    forgot = api["provider_a"].put(f"/referrals/{made['id']}/plan", {"home": ""})
    assert forgot.json["home"] is None and forgot.json["within_proximity"] is None
    cleared = api["provider_a"].put(f"/referrals/{made['id']}/plan", {"planned_infusion": None})
    assert cleared.status_code == 200 and not PLAN_FIELDS & set(cleared.json)
    changes = [a for a in audit(app) if a[0] == "referral_plan_changed"]
    assert len(changes) == 4


def test_an_aucatzyl_plan_covers_the_split_dose_under_the_rems_rule(api):
    made = create(
        api, center_id=AUCATZYL_CENTER, product="aucatzyl", indication="B-ALL", rule="us-rems-2024"
    )
    day_one = today_at(ZoneInfo("America/Los_Angeles")) + timedelta(days=20)
    response = api["provider_a"].put(
        f"/referrals/{made['id']}/plan", {"planned_infusion": day_one.isoformat()}
    )
    got = response.json
    assert got["plan"]["first_infusion"] == day_one.isoformat()
    assert got["plan"]["last_infusion"] == (day_one + timedelta(days=9)).isoformat()
    assert got["stay_until"] == (day_one + timedelta(days=9 + 28)).isoformat()
    assert got["no_driving_until"] == (day_one + timedelta(days=9 + 56)).isoformat()
    assert got["rule"] == "us-rems-2024" and got["within_proximity"] is None


def test_a_recorded_infusion_carries_the_plan(api):
    made = create(api, home="02115")
    for to in ("consultation", "leukapheresis", "manufacturing", "lymphodepletion", "infusion"):
        assert stage(api, "staff_x", made["id"], to).status_code == 200
    got = api["provider_a"].get(f"/referrals/{made['id']}").json
    assert got["plan"]["planned"] is False
    assert got["stay_until"] == (today_at() + timedelta(days=14)).isoformat()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"planned_infusion": "2025-02-30"}, 422, "invalid_plan"),
        ({"planned_infusion": "2000-01-01"}, 422, "invalid_plan"),  # before the referral
        ({"planned_infusion": "2999-01-01"}, 422, "invalid_plan"),  # over two years ahead
        ({"planned_infusion": "soon"}, 400, "bad_request"),
        ({"home": "Secretville, ZZ"}, 422, "location_not_found"),
        ({"home": "<b>"}, 422, "invalid_location"),
        ({}, 400, "bad_request"),
        ({"rule": "eu"}, 400, "bad_request"),
    ],
)
def test_bad_plans_are_refused_and_change_nothing(app, api, change, status, code):
    made = create(api, home="02115")
    response = api["provider_a"].put(f"/referrals/{made['id']}/plan", change)
    assert response.status_code == status, response.json
    assert response.json["error"] == code
    assert "Secret" not in response.get_data(as_text=True)
    after = api["provider_a"].get(f"/referrals/{made['id']}").json
    assert after["planned_infusion"] is None and after["home"] == made["home"]


def test_the_plan_of_a_closed_or_anothers_referral_cannot_change(api):
    made = create(api)
    change = {"planned_infusion": (today_at() + timedelta(days=30)).isoformat()}
    for who in ("provider_b", "staff_y"):
        assert api[who].put(f"/referrals/{made['id']}/plan", change).status_code == 404
    stage(api, "provider_a", made["id"], "declined")
    closed = api["staff_x"].put(f"/referrals/{made['id']}/plan", change)
    assert closed.status_code == 409 and closed.json["error"] == "referral_closed"


# The export --------------------------------------------------------------------------------------


def exported(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_export_is_an_attachment_of_exactly_what_the_user_may_see(app, api, three):
    response = api["staff_x"].get("/referrals/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    day = today_at().isoformat()  # both of staff X's referrals are in Boston
    assert response.headers["Content-Disposition"] == f'attachment; filename="referrals-{day}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert sorted(line["patient_name"] for line in exported(response)) == ["Alex Doe", "Cy Poe"]
    assert [
        line["patient_name"] for line in exported(api["staff_y"].get("/referrals/export.csv"))
    ] == ["Bea Roe"]
    provider_b = exported(api["provider_b"].get("/referrals/export.csv"))
    assert [line["patient_name"] for line in provider_b] == ["Cy Poe"]
    filtered = exported(api["admin"].get(f"/referrals/export.csv?center_id={CENTER_Y}"))
    assert [line["patient_name"] for line in filtered] == ["Bea Roe"]
    assert exported(api["admin"].get("/referrals/export.csv?stage=infusion")) == []
    assert [a[0] for a in audit(app)].count("referrals_exported") == 5
    assert app.test_client().get("/api/v1/referrals/export.csv").status_code == 401


def _referred_long_ago(app: Flask, provider_id: int, name: str, center_id: str) -> int:
    """A referral made 40 days ago at the center: its consultation is overdue."""
    from finder.extensions import current_catalog
    from finder.referrals.records import NewReferral, refer

    with app.app_context(), db.transaction() as session:
        new = NewReferral(
            center_id=center_id, patient_name=name, patient_birth_date=date(1950, 1, 2)
        )
        made = refer(session, new, catalog=current_catalog(), provider_id=provider_id,
                     today=today_at() - timedelta(days=40), now=datetime.now(UTC))  # fmt: skip
        return made.id


@pytest.mark.parametrize(
    "query",
    [
        "", "stage=eligibility", f"center_id={CENTER_X}", f"center_id={CENTER_Y}",
        f"stage=referral&center_id={CENTER_X}", "overdue=1", "overdue=0",
        f"center_id={CENTER_Y}&overdue=1", f"center_id={CENTER_X}&overdue=1&stage=referral",
    ],
)  # fmt: skip
def test_the_export_holds_exactly_the_referrals_the_list_shows_for_each_filter(
    app, api, accounts, three, query
):
    _referred_long_ago(app, accounts["provider_a"].id, "Dee Late", CENTER_Y)
    listed = ids(api["admin"].get(f"/referrals?{query}"))
    rows = exported(api["admin"].get(f"/referrals/export.csv?{query}"))
    assert sorted(int(row["referral_id"]) for row in rows) == listed
    if "center_id" in query:
        wanted = CENTER_X if CENTER_X in query else CENTER_Y
        assert {row["center_id"] for row in rows} <= {wanted}
    if "overdue=1" in query:
        assert [row["patient_name"] for row in rows] in ([], ["Dee Late"])
        assert all(row["overdue"] for row in rows)


def test_the_export_quotes_formula_cells(api):
    create(api, patient={**PATIENT, "name": '=HYPERLINK("http://x","y")'})
    [line] = exported(api["provider_a"].get("/referrals/export.csv"))
    assert line["patient_name"] == '\'=HYPERLINK("http://x","y")'


# Privacy -----------------------------------------------------------------------------------------


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app behind werkzeug's own server, whose access log is the one a deployment's
    development server writes."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_the_patient_name_never_reaches_a_url_or_a_log(app, accounts, served, caplog):
    caplog.set_level(logging.DEBUG)
    token = bearer_token(app, accounts["provider_a"].email)
    name = "Zebulon Quixotic"
    answers = []

    def call(method: str, path: str, payload: object = None) -> dict:
        connection = http.client.HTTPConnection(served, timeout=10)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        data = None if payload is None else json.dumps(payload)
        connection.request(method, f"/api/v1{path}", body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        answers.append((response.status, response.getheader("Location")))
        connection.close()
        return (
            json.loads(text)
            if response.getheader("Content-Type", "").startswith("application/json")
            else {"text": text}
        )

    made = call("POST", "/referrals", body(patient={**PATIENT, "name": name}, home="02115"))
    call("POST", "/referrals", body(patient={**PATIENT, "name": name}))  # 409
    call("POST", "/referrals/search", {"search": "Zebulon"})
    call("GET", "/referrals?search=Zebulon")  # refused: a name has no place in a URL
    call("GET", f"/referrals/{made['id']}")
    call("POST", f"/referrals/{made['id']}/stage", {"stage": "infusion"})  # 422
    call("PUT", f"/referrals/{made['id']}/plan", {"planned_infusion": None})
    exported_text = call("GET", "/referrals/export.csv")["text"]
    assert [status for status, _ in answers] == [201, 409, 200, 400, 200, 422, 200, 200]
    assert all(location is None for _, location in answers)
    assert name in exported_text  # the export itself holds it, for the user who may see it
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert len(access) >= len(answers), "the access log is empty"
    assert "Zebulon" not in caplog.text
    with app.app_context():
        for event in db.session().scalars(select(AuditEventRow)):
            assert "Zebulon" not in " ".join(str(v) for v in vars(event).values())


def test_a_referral_to_a_center_since_withdrawn_stays_readable(app, api, tmp_path):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    made = create(api, home="02115")
    planned = (today_at() + timedelta(days=30)).isoformat()
    api["provider_a"].put(f"/referrals/{made['id']}/plan", {"planned_infusion": planned})
    lines = SMALL_CENTERS.read_text().splitlines(keepends=True)
    without = tmp_path / "centers.csv"
    without.write_text("".join(line for line in lines if not line.startswith(CENTER_X)))
    with app.app_context():
        load_centers_file(without, catalog_cache().products)
    got = api["provider_a"].get(f"/referrals/{made['id']}")
    assert got.status_code == 200, got.json
    assert got.json["center_name"] == "Dana-Farber Cancer Institute"
    assert got.json["timezone"] == "America/New_York"
    # Its dates stand; whether home is near can no longer be measured.
    assert got.json["stay_until"] and got.json["within_proximity"] is None
    assert ids(api["staff_x"].get("/referrals")) == [made["id"]]
    assert exported(api["staff_x"].get("/referrals/export.csv"))[0]["patient_name"] == "Alex Doe"
