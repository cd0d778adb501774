"""`finder demo`: demo accounts that can sign in at once, and hours with free slots."""

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from finder.booking import calendar
from finder.demo import DEMO_CENTERS, PROVIDER_EMAIL, SIGN_IN_URL, STAFF_EMAIL
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import CalendarRow, UserRow
from tests.accounts import sign_in


def run_demo(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def passwords(output: str) -> dict[str, str]:
    """The email and password of each account, as printed."""
    found = re.findall(r"(\S+@example\.org)\s+password: (\S+)", output)
    return dict(found)


def test_the_demo_prints_accounts_that_can_sign_in_and_where(app):
    output = run_demo(app)
    printed = passwords(output)
    assert set(printed) == {PROVIDER_EMAIL, STAFF_EMAIL}
    assert SIGN_IN_URL in output and "Next steps" in output
    landing = {
        PROVIDER_EMAIL: "/referrals",
        STAFF_EMAIL: "/staff/centers/dana-farber-boston/calendar",  # the first by name
    }
    for email, password in printed.items():
        response = sign_in(app.test_client(), email, password)
        assert response.status_code == 302 and response.headers["Location"] == landing[email]


def test_the_demo_gives_the_staff_three_centers_with_free_slots_at_once(app):
    run_demo(app)
    with app.app_context():
        session = db.session()
        staff = session.scalar(select(UserRow).where(UserRow.email == STAFF_EMAIL))
        provider = session.scalar(select(UserRow).where(UserRow.email == PROVIDER_EMAIL))
        assert (staff.role, provider.role) == ("staff", "provider")
        assert staff.center_ids == set(DEMO_CENTERS)
        centers = [current_catalog().centers.get(c) for c in DEMO_CENTERS]
        first = calendar.next_free(session, centers, now=datetime.now(UTC))
        assert set(first) == set(DEMO_CENTERS)
        hours = session.get(CalendarRow, DEMO_CENTERS[0])
        assert (hours.slot_minutes, hours.capacity, hours.min_notice_hours) == (60, 2, 24)
        assert {h["day"] for h in hours.weekly} == {"mon", "tue", "wed", "thu", "fri"}


def test_running_the_demo_again_reuses_the_accounts_with_new_passwords(app):
    first = passwords(run_demo(app))
    again_output = run_demo(app)
    again = passwords(again_output)
    assert set(again) == set(first)
    assert all(again[email] != first[email] for email in first)
    assert "left as they were" in again_output  # the hours were published once
    with app.app_context():
        assert db.session().scalar(select(func.count(UserRow.id))) == 2
    for email in first:
        assert sign_in(app.test_client(), email, first[email]).status_code == 401
        assert sign_in(app.test_client(), email, again[email]).status_code == 302


def test_the_demo_leaves_a_center_s_own_hours_alone(app):
    run_demo(app)
    with app.app_context(), db.transaction() as session:
        session.get(CalendarRow, DEMO_CENTERS[1]).capacity = 5
    run_demo(app)
    with app.app_context():
        assert db.session().get(CalendarRow, DEMO_CENTERS[1]).capacity == 5


def test_federal_holidays_fall_on_the_days_observed():
    from datetime import date

    from finder.domain.holidays import federal_holidays, holidays_between

    days_2026 = [h.day for h in federal_holidays(2026)]
    assert days_2026 == [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25),
        date(2026, 6, 19), date(2026, 7, 3), date(2026, 9, 7), date(2026, 10, 12),
        date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
    ]  # fmt: skip
    observed_2027 = {h.name: h.day for h in federal_holidays(2027)}
    assert observed_2027["Juneteenth National Independence Day"] == date(2027, 6, 18)  # a Sat
    assert observed_2027["Independence Day"] == date(2027, 7, 5)  # a Sunday
    assert observed_2027["Christmas Day"] == date(2027, 12, 24)  # a Saturday
    assert [h.name for h in holidays_between(date(2026, 12, 1), date(2027, 1, 31))] == [
        "Christmas Day", "New Year's Day", "Birthday of Martin Luther King, Jr.",
    ]  # fmt: skip


def test_the_demo_centers_are_closed_on_the_holidays_in_their_horizon(app):
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from finder.domain.holidays import holidays_between
    from finder.storage.models import ClosureRow

    run_demo(app)
    with app.app_context():
        session = db.session()
        center = current_catalog().centers.get(DEMO_CENTERS[0])
        today = datetime.now(UTC).astimezone(ZoneInfo(center.timezone)).date()
        last = today + timedelta(days=60)
        expected = {h.day for h in holidays_between(today, last)}
        expected |= {d for y in (today.year, last.year) if today <= (d := date(y, 12, 24)) <= last}
        rows = session.scalars(select(ClosureRow).where(ClosureRow.center_id == center.id))
        closed = {row.start_date for row in rows}
        assert expected <= closed
        free = calendar.free_slots(
            session, center, first_day=today, last_day=last, now=datetime.now(UTC)
        )
        zone = ZoneInfo(center.timezone)
        assert not [s for s in free if s.start_at.astimezone(zone).date() in expected]
