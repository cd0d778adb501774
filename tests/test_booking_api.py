"""The calendar and booking API on SQLite and PostgreSQL: staff publish hours, anyone sees free
slots, providers book; every bad input is a clear 4xx that changes nothing."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Flask
from sqlalchemy import func, select

from finder.storage import db
from finder.storage.models import AuditEventRow, BookingRow, SlotRow
from tests.accounts import CENTER_X, CENTER_Y, bearer_token

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = {
    "weekly": [{"day": d, "start": "08:00", "end": "18:00"} for d in EVERY_DAY],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 0,
    "horizon_days": 14,
}
PATIENT = {
    "name": "Alex Doe",
    "birth_date": "1960-05-01",
    "email": "alex@example.org",
    "phone": "+1 617 555 0100",
}


class Api:
    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def put(self, path: str, body, **kw):
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers, **kw)

    def post(self, path: str, body, headers=None, **kw):
        return self.client.post(
            f"/api/v1{path}", json=body, headers={**self.headers, **(headers or {})}, **kw
        )

    def delete(self, path: str):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def api(app: Flask, accounts):
    tokens = {key: bearer_token(app, account.email) for key, account in accounts.items()}
    return {key: Api(app, token) for key, token in tokens.items()}


def publish(api, center_id: str = CENTER_X, who: str = "staff_x", **changes):
    response = api[who].put(f"/centers/{center_id}/availability", {**HOURS, **changes})
    assert response.status_code == 200, response.json
    return response.json


def free_slots(client, center_id: str = CENTER_X, days: int = 3) -> list[dict]:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    response = client.get(
        f"/api/v1/centers/{center_id}/slots?from={tomorrow}&to={tomorrow + timedelta(days)}"
    )
    assert response.status_code == 200, response.json
    return response.json["slots"]


def booking_body(slot: int, **changes) -> dict:
    return {
        "slot_id": slot,
        "patient": dict(PATIENT),
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "Relapsed after two lines.",
        **changes,
    }


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_staff_publish_hours_and_anyone_sees_free_slots(app, api, client):
    stored = publish(api)
    assert stored["timezone"] == "America/New_York"
    assert stored["weekly"][0] == {"day": "mon", "start": "08:00", "end": "18:00"}
    assert stored["displaced"] == []
    assert api["staff_x"].get(f"/centers/{CENTER_X}/availability").json["capacity"] == 1
    slots = free_slots(client)
    assert len(slots) == 4 * 10
    first = slots[0]
    assert set(first) == {"id", "start", "end", "capacity", "remaining"}
    start = datetime.fromisoformat(first["start"])
    assert start.utcoffset() == start.astimezone(ZoneInfo("America/New_York")).utcoffset()
    assert start.hour == 8 and first["remaining"] == 1


def test_book_a_slot_then_it_is_no_longer_free(app, api, client):
    publish(api)
    slot = free_slots(client)[0]
    response = api["provider_a"].post("/bookings", booking_body(slot["id"]))
    assert response.status_code == 201, response.json
    booking = response.json
    assert booking["status"] == "booked" and booking["slot_id"] == slot["id"]
    assert booking["start"] == slot["start"] and booking["patient"]["name"] == "Alex Doe"
    assert booking["reminders"][0]["kind"] == "confirmation"  # more: test_reminder_status.py
    assert slot["id"] not in [s["id"] for s in free_slots(client)]
    again = api["provider_b"].post("/bookings", booking_body(slot["id"]))
    assert again.status_code == 409 and again.json["error"] == "slot_taken"
    assert count(app, BookingRow) == 1


def test_an_idempotency_key_makes_a_retry_return_the_same_booking(app, api, client):
    publish(api)
    slot = free_slots(client)[0]
    headers = {"Idempotency-Key": "retry-7f3a"}
    first = api["provider_a"].post("/bookings", booking_body(slot["id"]), headers=headers)
    second = api["provider_a"].post("/bookings", booking_body(slot["id"]), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    other = api["provider_a"].post(
        "/bookings", booking_body(slot["id"], notes="else"), headers=headers
    )
    assert other.status_code == 422 and other.json["error"] == "idempotency_key_reused"
    bad = api["provider_a"].post(
        "/bookings", booking_body(slot["id"]), headers={"Idempotency-Key": "a b"}
    )
    assert bad.status_code == 400
    assert count(app, BookingRow) == 1


BAD_BODIES = {
    "missing name": ({"patient": {**PATIENT, "name": "  "}}, 400, "patient.name"),
    "future birth date": ({"patient": {**PATIENT, "birth_date": "2999-01-01"}}, 422, None),
    "malformed birth date": ({"patient": {**PATIENT, "birth_date": "01/05/1960"}}, 400, None),
    "impossible birth date": ({"patient": {**PATIENT, "birth_date": "1960-02-30"}}, 422, None),
    "bad email": ({"patient": {**PATIENT, "email": "nobody"}}, 422, "patient.email"),
    "unknown product": ({"product": "nosuchcel"}, 422, "product"),
    "unknown indication": ({"indication": "XYZ"}, 422, "indication"),
    "unknown field": ({"extra": 1}, 400, None),
    "slot id as text": ({"slot_id": "12"}, 400, "slot_id"),
    "no such slot": ({"slot_id": 99_999_999}, 422, "slot_id"),
}


@pytest.mark.parametrize("case", BAD_BODIES, ids=list(BAD_BODIES))
def test_bad_booking_bodies_are_refused_and_change_nothing(app, api, client, case):
    publish(api)
    slot = free_slots(client)[0]
    changes, status, field = BAD_BODIES[case]
    response = api["provider_a"].post("/bookings", booking_body(slot["id"], **changes))
    assert response.status_code == status, response.json
    assert response.json["message"]
    if field:
        assert field in response.json["fields"]
    assert "Alex" not in response.get_data(as_text=True)
    assert count(app, BookingRow) == 0


def test_a_product_the_center_does_not_give_is_refused(app, api, client):
    publish(api)
    slot = free_slots(client)[0]
    response = api["provider_a"].post("/bookings", booking_body(slot["id"], product="aucatzyl"))
    assert response.status_code == 422 and response.json["error"] == "not_offered"


def test_slots_inside_notice_in_the_past_or_closed_are_refused(app, api, client, monkeypatch):
    publish(api, min_notice_hours=48)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    with app.app_context():
        soon = db.session().scalar(
            select(SlotRow)
            .where(SlotRow.center_id == CENTER_X, SlotRow.start_at > datetime.now(UTC))
            .order_by(SlotRow.start_at)
        )
    response = api["provider_a"].post("/bookings", booking_body(soon.id))
    assert response.status_code == 422 and response.json["error"] == "inside_minimum_notice"
    # Time passes: the slot has started.
    later = soon.start_at + timedelta(minutes=5)
    monkeypatch.setattr("finder.web.commands.now", lambda: later)
    response = api["provider_a"].post("/bookings", booking_body(soon.id))
    assert response.status_code == 422 and response.json["error"] == "slot_in_past"
    monkeypatch.undo()
    # A closed date: its free slots are withdrawn.
    in_five = tomorrow + timedelta(days=4)
    slots = free_slots(client, days=6)
    on_day = [s for s in slots if s["start"].startswith(in_five.isoformat())]
    closure = api["staff_x"].post(
        f"/centers/{CENTER_X}/closures", {"date": in_five.isoformat(), "reason": "Team away"}
    )
    assert closure.status_code == 201 and closure.json["displaced"] == []
    response = api["provider_a"].post("/bookings", booking_body(on_day[0]["id"]))
    assert response.status_code == 422 and response.json["error"] == "unknown_slot"
    assert count(app, BookingRow) == 0


def test_a_closure_over_a_booking_lists_it_and_refuses_new_ones(app, api, client):
    publish(api, capacity=2)
    in_five = (datetime.now(UTC) + timedelta(days=5)).date()
    slot = next(s for s in free_slots(client, days=6) if s["start"].startswith(str(in_five)))
    booked = api["provider_a"].post("/bookings", booking_body(slot["id"])).json
    closure = api["staff_x"].post(
        f"/centers/{CENTER_X}/closures", {"date": str(in_five), "reason": "Team away"}
    )
    assert [d["booking_id"] for d in closure.json["displaced"]] == [booked["id"]]
    response = api["provider_b"].post("/bookings", booking_body(slot["id"]))
    assert response.status_code == 422 and response.json["error"] == "center_closed"
    assert "Team away" in response.json["message"]
    listed = api["staff_x"].get(f"/centers/{CENTER_X}/closures").json["closures"]
    assert [c["reason"] for c in listed] == ["Team away"]
    assert (
        api["staff_x"].delete(f"/centers/{CENTER_X}/closures/{listed[0]['id']}").status_code == 204
    )
    assert api["staff_x"].get(f"/centers/{CENTER_X}/availability").json["displaced"] == []


def test_narrowing_hours_lists_the_bookings_outside_them(app, api, client):
    publish(api)
    late = next(s for s in free_slots(client) if datetime.fromisoformat(s["start"]).hour == 17)
    booked = api["provider_a"].post("/bookings", booking_body(late["id"])).json
    narrowed = publish(
        api, weekly=[{"day": d, "start": "08:00", "end": "12:00"} for d in EVERY_DAY]
    )
    assert narrowed["displaced"] == [
        {
            "booking_id": booked["id"],
            "start": late["start"],
            "reason": "outside_hours",
            "detail": "",
        }
    ]
    still = api["provider_a"].get(f"/bookings/{booked['id']}").json
    assert still["status"] == "booked"


def test_invalid_hours_are_refused_field_by_field(app, api):
    bad = {**HOURS, "weekly": [{"day": "mon", "start": "12:00", "end": "09:00"}], "capacity": 0}
    response = api["staff_x"].put(f"/centers/{CENTER_X}/availability", bad)
    assert response.status_code == 400
    assert set(response.json["fields"]) >= {"capacity"}
    overlap = {
        **HOURS,
        "weekly": [
            {"day": "mon", "start": "09:00", "end": "12:00"},
            {"day": "mon", "start": "11:00", "end": "13:00"},
        ],
    }
    response = api["staff_x"].put(f"/centers/{CENTER_X}/availability", overlap)
    assert response.status_code == 422 and "weekly[1]" in response.json["fields"]
    assert api["staff_x"].get(f"/centers/{CENTER_X}/availability").status_code == 404
    assert count(app, SlotRow) == 0


def test_block_a_slot(app, api, client):
    publish(api)
    slot = free_slots(client)[0]
    blocked = api["staff_x"].post(
        f"/centers/{CENTER_X}/slots/{slot['id']}/block", {"blocked": True, "reason": "Tumor board"}
    )
    assert blocked.status_code == 200 and blocked.json["blocked"] is True
    assert slot["id"] not in [s["id"] for s in free_slots(client)]
    refused = api["provider_a"].post("/bookings", booking_body(slot["id"]))
    assert refused.status_code == 409 and refused.json["error"] == "slot_unavailable"
    other = api["staff_y"].post(f"/centers/{CENTER_X}/slots/{slot['id']}/block", {"blocked": False})
    assert other.status_code == 404
    opened = api["staff_x"].post(
        f"/centers/{CENTER_X}/slots/{slot['id']}/block", {"blocked": False}
    )
    assert opened.json["blocked"] is False


def test_cancel_reschedule_and_outcome(app, api, client, monkeypatch):
    publish(api)
    first, second, third = free_slots(client)[:3]
    booking = api["provider_a"].post("/bookings", booking_body(first["id"])).json
    moved = api["provider_a"].post(
        f"/bookings/{booking['id']}/reschedule", {"slot_id": second["id"]}
    )
    assert moved.status_code == 200 and moved.json["slot_id"] == second["id"]
    assert moved.json["sequence"] == 1
    assert first["id"] in [s["id"] for s in free_slots(client)]
    same = api["provider_a"].post(
        f"/bookings/{booking['id']}/reschedule", {"slot_id": second["id"]}
    )
    assert same.status_code == 409
    publish(api, CENTER_Y, "staff_y")
    elsewhere = free_slots(client, CENTER_Y)[0]
    wrong = api["provider_a"].post(
        f"/bookings/{booking['id']}/reschedule", {"slot_id": elsewhere["id"]}
    )
    assert wrong.status_code == 422 and wrong.json["error"] == "slot_of_another_center"
    # Providers cannot record outcomes; staff can once the time has come.
    too_soon = api["staff_x"].post(f"/bookings/{booking['id']}/outcome", {"status": "completed"})
    assert too_soon.status_code == 409
    assert (
        api["provider_a"]
        .post(f"/bookings/{booking['id']}/outcome", {"status": "completed"})
        .status_code
        == 403
    )
    cancelled = api["provider_a"].post(
        f"/bookings/{booking['id']}/cancel", {"reason": "Patient chose closer center"}
    )
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["sequence"] == 2
    twice = api["provider_a"].post(f"/bookings/{booking['id']}/cancel", {})
    assert twice.status_code == 409
    other = api["provider_a"].post("/bookings", booking_body(third["id"])).json
    later = datetime.fromisoformat(third["start"]).astimezone(UTC) + timedelta(minutes=10)
    monkeypatch.setattr("finder.web.commands.now", lambda: later)
    done = api["staff_x"].post(f"/bookings/{other['id']}/outcome", {"status": "no_show"})
    assert done.status_code == 200 and done.json["status"] == "no_show"


def test_staff_must_give_a_reason_to_cancel_through_the_api_too(app, api, client):
    publish(api)
    booking = api["provider_a"].post("/bookings", booking_body(free_slots(client)[0]["id"])).json
    refused = api["staff_x"].post(f"/bookings/{booking['id']}/cancel", {})
    assert refused.status_code == 422 and refused.json["error"] == "invalid_booking"
    assert "reason" in refused.json["fields"]
    assert api["provider_a"].get(f"/bookings/{booking['id']}").json["status"] == "booked"
    done = api["staff_x"].post(f"/bookings/{booking['id']}/cancel", {"reason": "Doctor ill"})
    assert done.status_code == 200 and done.json["status"] == "cancelled"


def test_tenants_see_only_their_bookings(app, api, client):
    publish(api)
    publish(api, CENTER_Y, "staff_y")
    mine = api["provider_a"].post("/bookings", booking_body(free_slots(client)[0]["id"])).json
    theirs = (
        api["provider_b"]
        .post("/bookings", booking_body(free_slots(client, CENTER_Y)[0]["id"]))
        .json
    )
    assert [b["id"] for b in api["provider_a"].get("/bookings").json["bookings"]] == [mine["id"]]
    assert [b["id"] for b in api["staff_x"].get("/bookings").json["bookings"]] == [mine["id"]]
    assert {b["id"] for b in api["admin"].get("/bookings").json["bookings"]} == {
        mine["id"],
        theirs["id"],
    }
    for who, booking in (("provider_b", mine), ("staff_y", mine), ("provider_a", theirs)):
        assert api[who].get(f"/bookings/{booking['id']}").status_code == 404
        assert api[who].get(f"/bookings/{booking['id']}/ics").status_code == 404
        assert api[who].post(f"/bookings/{booking['id']}/cancel", {}).status_code == 404
    assert api["provider_a"].get("/bookings/abc").status_code == 404
    listed = api["staff_x"].get(f"/centers/{CENTER_X}/bookings").json
    assert [b["id"] for b in listed["bookings"]] == [mine["id"]]
    assert listed["bookings"][0]["provider"]["practice"] == "Cape Cod Oncology"
    assert api["staff_y"].get(f"/centers/{CENTER_X}/bookings").status_code == 404
    assert api["provider_a"].get(f"/centers/{CENTER_X}/bookings").status_code == 403
    assert api["provider_a"].post("/bookings", {}).status_code == 400
    assert api["staff_x"].post("/bookings", booking_body(1)).status_code == 403


def test_the_invite_carries_the_time_and_no_patient(app, api, client):
    publish(api)
    slot = free_slots(client)[0]
    booking = api["provider_a"].post("/bookings", booking_body(slot["id"])).json
    response = api["provider_a"].get(f"/bookings/{booking['id']}/ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "Alex" not in text and "1960" not in text
    event = icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == datetime.fromisoformat(slot["start"])
    assert int(event["SEQUENCE"]) == 0
    api["provider_a"].post(f"/bookings/{booking['id']}/cancel", {})
    cancelled = icalendar.Calendar.from_ical(
        api["provider_a"].get(f"/bookings/{booking['id']}/ics").data
    )
    assert cancelled["METHOD"] == "CANCEL"
    event2 = cancelled.walk("VEVENT")[0]
    assert event2["UID"] == event["UID"] and int(event2["SEQUENCE"]) == 1


def test_booking_reads_and_changes_are_audited_without_patient_data(app, api, client):
    publish(api)
    booking = api["provider_a"].post("/bookings", booking_body(free_slots(client)[0]["id"])).json
    api["staff_x"].get(f"/bookings/{booking['id']}")
    api["provider_a"].post(f"/bookings/{booking['id']}/cancel", {"reason": "x"})
    with app.app_context():
        rows = (
            db.session()
            .scalars(select(AuditEventRow).where(AuditEventRow.target_type == "booking"))
            .all()
        )
        actions = [(row.action, row.actor_role) for row in rows]
        assert ("booking_created", "provider") in actions
        assert ("booking_viewed", "staff") in actions
        assert ("booking_cancelled", "provider") in actions
        for row in rows:
            assert "Alex" not in " ".join(str(v) for v in vars(row).values())


def test_malformed_queries_and_unknown_centers(app, api, client):
    assert client.get(f"/api/v1/centers/{CENTER_X}/slots?from=2027-02-30").status_code == 422
    assert client.get(f"/api/v1/centers/{CENTER_X}/slots?from=tomorrow").status_code == 400
    too_long = client.get(f"/api/v1/centers/{CENTER_X}/slots?from=2027-01-01&to=2027-12-31")
    assert too_long.status_code == 422
    backwards = client.get(f"/api/v1/centers/{CENTER_X}/slots?from=2027-01-10&to=2027-01-01")
    assert backwards.status_code == 422
    assert client.get("/api/v1/centers/nowhere/slots").status_code == 404
    unpublished = client.get(f"/api/v1/centers/{CENTER_Y}/slots")
    assert unpublished.status_code == 200 and unpublished.json["published"] is False
    assert api["admin"].put("/centers/nowhere/availability", HOURS).status_code == 404
    assert api["staff_x"].post(f"/centers/{CENTER_X}/closures", {"reason": "x"}).status_code == 400
    assert (
        api["staff_x"]
        .post(
            f"/centers/{CENTER_X}/closures",
            {"start": "2027-03-10", "end": "2027-03-01", "reason": "x"},
        )
        .status_code
        == 422
    )
    assert date.today()  # the clock is real: nothing above depends on it


def test_ids_beyond_what_the_database_stores_are_not_found(app, api):
    for path in ("/bookings/9999999999", "/bookings/2147483648/ics"):
        assert api["provider_a"].get(path).status_code == 404
    assert api["staff_x"].delete(f"/centers/{CENTER_X}/closures/9999999999").status_code == 404
