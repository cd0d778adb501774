"""Each booking's messages on SQLite and PostgreSQL: the API's `reminders` with their due times
and statuses, staff's "send again" (API and page), and the Messages table on the provider's and
the staff's booking pages.

The app runs on the real clock, so bookings are made five days ahead in Boston: both default
reminders (3 days and 1 day before) still lie ahead.
"""

from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from finder.reminders.pages import kind_words
from finder.storage import db
from finder.storage.models import AuditEventRow, ReminderRow
from finder.web.local_times import time_text
from tests.accounts import CENTER_X, CENTER_Y, bearer_token, csrf_token, signed_in_client

BOSTON = ZoneInfo("America/New_York")
DAY = datetime.now(BOSTON).date() + timedelta(days=5)
HOURS = {
    "weekly": [
        {"day": d, "start": "08:00", "end": "18:00"}
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 0,
    "horizon_days": 14,
}
PATIENT = {"name": "Robin Messagepatient", "birth_date": "1962-07-14", "phone": ""}
MESSAGE_FIELDS = {
    "id",
    "kind",
    "recipient",
    "hours_before",
    "due_at",
    "status",
    "detail",
    "attempts",
    "sent_at",
    "resend_of",
}


class Api:
    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def put(self, path: str, body):
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers)

    def post(self, path: str, body=None):
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)


@pytest.fixture
def api(app: Flask, accounts) -> dict[str, Api]:
    for center_id, who in ((CENTER_X, "staff_x"), (CENTER_Y, "staff_y")):
        staff = Api(app, bearer_token(app, accounts[who].email))
        assert staff.put(f"/centers/{center_id}/availability", HOURS).status_code == 200
    return {key: Api(app, bearer_token(app, account.email)) for key, account in accounts.items()}


def slot_at(api, day: date, hour: int, center_id: str = CENTER_X) -> int:
    slots = api["provider_a"].get(f"/centers/{center_id}/slots?from={day}&to={day}").json
    for slot in slots["slots"]:
        if datetime.fromisoformat(slot["start"]).hour == hour:
            return int(slot["id"])
    raise AssertionError(f"no free slot at {day} {hour}:00")


def book(api, *, email: str = "robin@example.org", hour: int = 10, center_id: str = CENTER_X):
    body = {
        "slot_id": slot_at(api, DAY, hour, center_id),
        "patient": {**PATIENT, "email": email},
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "",
    }
    response = api["provider_a"].post("/bookings", body)
    assert response.status_code == 201, response.json
    return response.json


def messages(api, booking_id: int, who: str = "staff_x") -> list[dict]:
    response = api[who].get(f"/bookings/{booking_id}")
    assert response.status_code == 200
    return response.json["reminders"]


def summary(found: list[dict]) -> list[tuple]:
    return sorted((m["kind"], m["recipient"], m["hours_before"], m["status"]) for m in found)


def one(found: list[dict], kind: str, recipient: str, hours: int | None = None) -> dict:
    [message] = [
        m
        for m in found
        if (m["kind"], m["recipient"], m["hours_before"]) == (kind, recipient, hours)
    ]
    return message


def mark(app: Flask, reminder_id: int, status: str, detail: str = "") -> None:
    """What the dispatcher would have done: sent the message, or given up on it."""
    sent_at = datetime.now(UTC) if status == "sent" else None
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(ReminderRow)
            .where(ReminderRow.id == reminder_id)
            .values(status=status, detail=detail, sent_at=sent_at, attempts=1)
        )


def count_messages(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(ReminderRow))


def audit_actions(app: Flask) -> list[tuple[str, str | None]]:
    with app.app_context():
        rows = db.session().scalars(select(AuditEventRow).order_by(AuditEventRow.id))
        return [(row.action, row.outcome) for row in rows]


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def wall(iso: str) -> datetime:
    """An API time as the center's wall clock shows it."""
    return datetime.fromisoformat(iso).replace(tzinfo=None)


# --- The API -------------------------------------------------------------------------------


def test_a_new_booking_lists_its_confirmation_and_both_reminders_to_provider_and_patient(api):
    booking = book(api)
    found = booking["reminders"]
    assert summary(found) == [
        ("confirmation", "patient", None, "pending"),
        ("confirmation", "provider", None, "pending"),
        ("reminder", "patient", 24, "pending"),
        ("reminder", "patient", 72, "pending"),
        ("reminder", "provider", 24, "pending"),
        ("reminder", "provider", 72, "pending"),
    ]
    assert all(set(m) == MESSAGE_FIELDS for m in found)
    assert all(m["sent_at"] is None and m["resend_of"] is None for m in found)
    start = datetime.fromisoformat(booking["start"])
    for hours in (72, 24):
        due = one(found, "reminder", "provider", hours)["due_at"]
        assert wall(due) == wall(booking["start"]) - timedelta(hours=hours)  # same wall clock
        offset = datetime.fromisoformat(due).utcoffset()
        assert offset == datetime.fromisoformat(due).astimezone(BOSTON).utcoffset()
    assert datetime.fromisoformat(found[0]["due_at"]) < start
    assert messages(api, booking["id"], "provider_a") == found  # the provider sees them too


def test_without_a_patient_email_only_the_provider_is_written_to(api):
    booking = book(api, email="")
    assert {m["recipient"] for m in booking["reminders"]} == {"provider"}
    assert len(booking["reminders"]) == 3


def test_a_cancelled_booking_cancels_its_messages_and_queues_cancellation_notices(api):
    booking = book(api)
    response = api["provider_a"].post(f"/bookings/{booking['id']}/cancel", {"reason": "Moved"})
    assert response.status_code == 200
    found = response.json["reminders"]
    notices = [m for m in found if m["kind"] == "cancellation"]
    assert sorted(m["recipient"] for m in notices) == ["patient", "provider"]
    assert {m["status"] for m in notices} == {"pending"}
    others = [m for m in found if m["kind"] != "cancellation"]
    assert len(others) == 6
    assert {(m["status"], m["detail"]) for m in others} == {("cancelled", "booking cancelled")}


def test_a_moved_booking_moves_its_pending_reminders(app, api):
    booking = book(api)
    mark(app, one(booking["reminders"], "confirmation", "provider")["id"], "sent")
    later = slot_at(api, DAY + timedelta(days=2), 11)
    response = api["provider_a"].post(f"/bookings/{booking['id']}/reschedule", {"slot_id": later})
    assert response.status_code == 200
    moved = response.json
    for recipient in ("provider", "patient"):
        for hours in (72, 24):
            reminder = one(moved["reminders"], "reminder", recipient, hours)
            assert reminder["status"] == "pending"
            assert wall(reminder["due_at"]) == wall(moved["start"]) - timedelta(hours=hours)
    # The provider had their confirmation and is told of the move; the patient's confirmation,
    # not sent yet, will show the new time.
    assert [m["recipient"] for m in moved["reminders"] if m["kind"] == "rescheduled"] == [
        "provider"
    ]


def test_staff_resend_a_sent_message_as_a_new_pending_copy(app, api):
    booking = book(api)
    original = one(booking["reminders"], "confirmation", "patient")
    mark(app, original["id"], "sent")
    path = f"/bookings/{booking['id']}/reminders/{original['id']}/resend"
    response = api["staff_x"].post(path)
    assert response.status_code == 202, response.json
    copy = response.json
    assert set(copy) == MESSAGE_FIELDS
    assert (copy["kind"], copy["recipient"], copy["status"]) == (
        "confirmation",
        "patient",
        "pending",
    )
    assert copy["resend_of"] == original["id"] and copy["id"] != original["id"]
    assert copy["attempts"] == 0 and copy["sent_at"] is None
    found = messages(api, booking["id"])
    assert [m["status"] for m in found if m["id"] == original["id"]] == ["sent"]
    assert [m["id"] for m in found if m["resend_of"] == original["id"]] == [copy["id"]]
    assert ("reminder_resent", "ok") in audit_actions(app)

    again = api["staff_x"].post(path)  # a copy is already waiting: a double click sends once
    assert again.status_code == 409 and again.json["error"] == "reminder_not_resendable"


def test_an_admin_may_resend_a_failed_message(app, api):
    booking = book(api)
    failed = one(booking["reminders"], "confirmation", "provider")
    mark(app, failed["id"], "failed", "550 mailbox unavailable")
    shown = one(messages(api, booking["id"]), "confirmation", "provider")
    assert (shown["status"], shown["detail"]) == ("failed", "550 mailbox unavailable")
    response = api["admin"].post(f"/bookings/{booking['id']}/reminders/{failed['id']}/resend")
    assert response.status_code == 202
    assert response.json["resend_of"] == failed["id"]


def test_a_provider_may_not_resend_even_their_own_booking(app, api):
    booking = book(api)
    sent = one(booking["reminders"], "confirmation", "provider")
    mark(app, sent["id"], "sent")
    before = count_messages(app)
    response = api["provider_a"].post(f"/bookings/{booking['id']}/reminders/{sent['id']}/resend")
    assert response.status_code == 403
    assert count_messages(app) == before


def test_another_centers_booking_or_another_bookings_message_is_404(app, api):
    booking = book(api)
    other = book(api, hour=11)
    sent = one(booking["reminders"], "confirmation", "provider")
    mark(app, sent["id"], "sent")
    before = count_messages(app)
    path = f"/bookings/{booking['id']}/reminders/{sent['id']}/resend"
    assert api["staff_y"].post(path).status_code == 404
    assert (
        api["staff_x"].post(f"/bookings/{other['id']}/reminders/{sent['id']}/resend").json["error"]
        == "not_found"
    )
    for junk in ("0", "x", "99999999999"):
        assert (
            api["staff_x"].post(f"/bookings/{booking['id']}/reminders/{junk}/resend").status_code
            == 404
        )
    assert count_messages(app) == before


def test_a_pending_or_cancelled_message_is_not_resent(app, api):
    booking = book(api)
    pending = one(booking["reminders"], "reminder", "provider", 72)
    response = api["staff_x"].post(f"/bookings/{booking['id']}/reminders/{pending['id']}/resend")
    assert response.status_code == 409
    assert response.json["error"] == "reminder_not_resendable"
    assert "still waiting" in response.json["message"]
    api["staff_x"].post(f"/bookings/{booking['id']}/cancel", {"reason": "Closed"})
    cancelled = api["staff_x"].post(f"/bookings/{booking['id']}/reminders/{pending['id']}/resend")
    assert cancelled.status_code == 409 and "cancelled" in cancelled.json["message"]


def test_a_sent_reminder_of_a_cancelled_booking_is_not_resent(app, api):
    booking = book(api)
    sent = one(booking["reminders"], "reminder", "patient", 72)
    mark(app, sent["id"], "sent")
    api["staff_x"].post(f"/bookings/{booking['id']}/cancel", {"reason": "Closed"})
    response = api["staff_x"].post(f"/bookings/{booking['id']}/reminders/{sent['id']}/resend")
    assert response.status_code == 409
    assert "booking cancelled" in response.json["message"]


def test_lists_carry_each_bookings_messages(api):
    first, second = book(api), book(api, hour=11, email="")
    listed = api["staff_x"].get(f"/centers/{CENTER_X}/bookings?from={DAY}&to={DAY}").json
    by_id = {b["id"]: b["reminders"] for b in listed["bookings"]}
    assert (len(by_id[first["id"]]), len(by_id[second["id"]])) == (6, 3)
    mine = api["provider_a"].get("/bookings").json["bookings"]
    assert {b["id"]: len(b["reminders"]) for b in mine} == {first["id"]: 6, second["id"]: 3}


# --- The pages ------------------------------------------------------------------------------


def test_kinds_read_as_words(app):
    with app.test_request_context():
        words = [
            kind_words(ReminderRow(kind=kind, hours_before=hours))
            for kind, hours in (
                ("confirmation", None),
                ("reminder", 72),
                ("reminder", 24),
                ("reminder", 6),
                ("reminder", 1),
                ("rescheduled", None),
                ("cancellation", None),
            )
        ]
    assert words == [
        "Confirmation",
        "Reminder 3 days before",
        "Reminder 1 day before",
        "Reminder 6 hours before",
        "Reminder 1 hour before",
        "Moved notice",
        "Cancellation notice",
    ]


def test_the_provider_page_shows_the_messages_table(app, accounts, api):
    booking = book(api)
    sent = one(booking["reminders"], "confirmation", "provider")
    mark(app, sent["id"], "sent")
    provider = signed_in_client(app, accounts["provider_a"])
    response = provider.get(f"/bookings/{booking['id']}")
    page = text_of(response)
    assert response.status_code == 200
    assert '<h2 id="messages">Messages</h2>' in page and "<caption" in page
    assert '<th scope="col">Status</th>' in page
    for words in ("Confirmation", "Reminder 3 days before", "Reminder 1 day before"):
        assert f">{words}</td>" in page
    assert ">Referring provider</td>" in page and ">Patient</td>" in page
    due = datetime.fromisoformat(one(booking["reminders"], "reminder", "patient", 72)["due_at"])
    with app.test_request_context():
        assert f"<td>{time_text(due, 'America/New_York')}</td>" in page
    assert "<td>Pending</td>" in page and "<td>Sent at " in page
    assert "Send again" not in page  # only staff send again


def test_the_staff_page_shows_each_status_and_offers_send_again_where_it_may(app, accounts, api):
    booking = book(api)
    sent = one(booking["reminders"], "confirmation", "provider")
    failed = one(booking["reminders"], "confirmation", "patient")
    mark(app, sent["id"], "sent")
    mark(app, failed["id"], "failed", "550 mailbox unavailable")
    staff = signed_in_client(app, accounts["staff_x"])
    page = text_of(staff.get(f"/staff/centers/{CENTER_X}/bookings/{booking['id']}"))
    assert '<h2 id="messages">Messages</h2>' in page
    assert "<td>Failed: 550 mailbox unavailable</td>" in page and "<td>Sent at " in page
    assert page.count(">Send again</button>") == 2  # the sent and the failed one; not the pending
    for reminder_id in (sent["id"], failed["id"]):
        assert f"/reminders/{reminder_id}/resend" in page

    api["staff_x"].post(f"/bookings/{booking['id']}/cancel", {"reason": "Closed"})
    page = text_of(staff.get(f"/staff/centers/{CENTER_X}/bookings/{booking['id']}"))
    assert "<td>Cancelled: the consultation was cancelled</td>" in page
    assert ">Cancellation notice</td>" in page
    assert page.count(">Send again</button>") == 0  # nothing of a cancelled booking goes out again


def test_staff_send_again_from_the_page_with_its_csrf_token(app, accounts, api):
    booking = book(api)
    failed = one(booking["reminders"], "confirmation", "patient")
    mark(app, failed["id"], "failed", "timed out")
    staff = signed_in_client(app, accounts["staff_x"])
    page_path = f"/staff/centers/{CENTER_X}/bookings/{booking['id']}"
    path = f"{page_path}/reminders/{failed['id']}/resend"
    before = count_messages(app)

    forged = staff.post(path, data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert staff.post(path).status_code == 400
    assert count_messages(app) == before

    response = staff.post(path, data={"csrf_token": csrf_token(staff)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{page_path}#messages"
    assert count_messages(app) == before + 1
    page = text_of(staff.get(page_path))
    assert "Queued to send again: Confirmation, to Patient." in page
    assert ">Confirmation (sent again)</td>" in page
    assert ("reminder_resent", "ok") in audit_actions(app)

    again = staff.post(path, data={"csrf_token": csrf_token(staff)})  # the copy still waits
    assert again.status_code == 303
    assert "Not sent again: a copy is already waiting to be sent." in text_of(staff.get(page_path))
    assert count_messages(app) == before + 1
    assert ("reminder_resent", "reminder_not_resendable") in audit_actions(app)


def test_send_again_is_for_this_centers_staff_only(app, accounts, api):
    booking = book(api)
    sent = one(booking["reminders"], "confirmation", "provider")
    mark(app, sent["id"], "sent")
    before = count_messages(app)
    suffix = f"/bookings/{booking['id']}/reminders/{sent['id']}/resend"
    other = signed_in_client(app, accounts["staff_y"])
    for center_id in (CENTER_X, CENTER_Y):
        response = other.post(
            f"/staff/centers/{center_id}{suffix}", data={"csrf_token": csrf_token(other)}
        )
        assert response.status_code == 404
    provider = signed_in_client(app, accounts["provider_a"])
    response = provider.post(
        f"/staff/centers/{CENTER_X}{suffix}", data={"csrf_token": csrf_token(provider)}
    )
    assert response.status_code == 403
    staff = signed_in_client(app, accounts["staff_x"])
    unknown = staff.post(
        f"/staff/centers/{CENTER_X}/bookings/{booking['id']}/reminders/999999/resend",
        data={"csrf_token": csrf_token(staff)},
    )
    assert unknown.status_code == 404
    assert count_messages(app) == before
