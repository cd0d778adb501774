"""Referrals in the database, on SQLite and PostgreSQL: made by the first booking (or on their
own), moved along the journey by appending to the history, seen only by their provider and their
center's staff, and shown on the dashboard with the next appointment and overdue flags."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.booking import calendar
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability
from finder.domain.bookings import BookingRequest, Patient
from finder.domain.errors import UnknownReference
from finder.domain.journey import StageNotAllowed
from finder.domain.journey_flags import LEUKAPHERESIS_WITHIN_DAYS
from finder.extensions import current_catalog
from finder.referrals import use_cases
from finder.referrals.records import (
    NewReferral,
    ReferralChanged,
    find_referral,
    refer,
)
from finder.referrals.views import ReferralFilters, dashboard, export_csv
from finder.reminders.stage_messages import STAGE_CHANGED
from finder.storage import db
from finder.storage.models import (
    BookingRow,
    ReferralEventRow,
    ReferralRow,
    ReminderRow,
    SlotRow,
)
from finder.wiring import unit_of_work
from tests.accounts import CENTER_X, CENTER_Y
from tests.bookings import book, cancel

# A Monday 08:00 in Boston (EST): the week's slots lie ahead.
NOW = datetime(2027, 1, 11, 13, 0, tzinfo=UTC)
TODAY = date(2027, 1, 11)
HOURS = {
    "weekly": [{"day": d, "start": "09:00", "end": "12:00"} for d in ("mon", "tue", "wed", "thu")],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 24,
    "horizon_days": 14,
}


@pytest.fixture
def ctx(app: Flask, accounts):
    with app.app_context():
        yield accounts


def actor(account) -> Actor:
    centers = {"staff_x": {CENTER_X}, "staff_y": {CENTER_Y}}.get(account.key, set())
    return Actor(account.id, Role(account.role), frozenset(centers))


def publish(center_id: str = CENTER_X) -> None:
    center = current_catalog().centers.get(center_id)
    availability = parse_availability(HOURS, timezone=center.timezone)
    with db.transaction() as session:
        calendar.save_availability(session, center, availability, now=NOW, by=None)


def slot_at(local_day: date, hour: int, center_id: str = CENTER_X) -> SlotRow:
    center = current_catalog().centers.get(center_id)
    monday = local_day - timedelta(local_day.weekday())
    for slot in calendar.week_slots(db.session(), center, monday):
        local = slot.start_at.astimezone(ZoneInfo(center.timezone))
        if local.date() == local_day and local.hour == hour:
            return slot
    raise AssertionError(f"no slot at {local_day} {hour}:00")


def do_book(slot: SlotRow, provider_id: int, name: str = "Alex Doe") -> BookingRow:
    catalog = current_catalog()
    request = BookingRequest(
        slot_id=slot.id,
        patient=Patient(name=name, birth_date=date(1960, 5, 1), email="alex@example.org"),
        indication="LBCL",
        product="yescarta",
        notes="",
    )
    with db.transaction() as session:
        booked = book(
            session,
            request,
            provider_id=provider_id,
            centers=catalog.centers,
            products=catalog.products,
            now=NOW,
        )
    return booked.booking


def do_refer(
    provider_id: int, name: str, center_id: str = CENTER_X, *, on: date = TODAY, **more
) -> ReferralRow:
    new = NewReferral(
        center_id=center_id, patient_name=name, patient_birth_date=date(1970, 2, 3), **more
    )
    with db.transaction() as session:
        return refer(
            session, new, catalog=current_catalog(), provider_id=provider_id, today=on, now=NOW
        )


def move(referral: ReferralRow, stage: str, by, at: date = TODAY, **more) -> ReferralRow:
    """Record a stage as the pages and the API do, on the center's date at NOW."""
    entry = use_cases.StageEntry(stage=stage, at=at, note=more.pop("note", ""), **more)
    uow = unit_of_work(db.session(), now=NOW)
    return use_cases.record_stage(uow, actor(by), referral.id, entry, catalog=current_catalog())


def count(model, *where) -> int:
    return db.session().scalar(select(func.count()).select_from(model).where(*where)) or 0


def notifications(referral_id: int) -> int:
    return count(
        ReminderRow, ReminderRow.referral_id == referral_id, ReminderRow.kind == STAGE_CHANGED
    )


def rows_for(who, **filters):
    return dashboard(
        db.session(),
        actor(who),
        current_catalog(),
        today=TODAY,
        now=NOW,
        filters=ReferralFilters(**filters),
    )


# Bookings make referrals -------------------------------------------------------------------------


def test_the_first_booking_refers_the_patient_and_the_second_is_filed_under_it(ctx):
    publish()
    provider = ctx["provider_a"].id
    first = do_book(slot_at(date(2027, 1, 13), 9), provider)
    assert first.referral_id is not None
    referral = db.session().get(ReferralRow, first.referral_id)
    assert (referral.stage, referral.stage_since, referral.center_id) == (
        "referral",
        TODAY,
        CENTER_X,
    )
    assert (referral.patient_name, referral.product, referral.indication) == (
        "Alex Doe",
        "yescarta",
        "LBCL",
    )
    assert referral.provider_id == provider and [e.stage for e in referral.events] == ["referral"]
    # The same patient again, their name typed in other capitals: filed under the same referral.
    second = do_book(slot_at(date(2027, 1, 14), 9), provider, name="ALEX DOE")
    assert second.referral_id == first.referral_id
    assert count(ReferralRow) == 1


def test_a_name_beyond_ascii_is_the_same_patient_on_both_databases(ctx):
    publish()
    provider = ctx["provider_a"].id
    first = do_book(slot_at(date(2027, 1, 13), 9), provider, name="Élise Ñúñez")
    second = do_book(slot_at(date(2027, 1, 13), 10), provider, name="élise ñÚÑEZ")
    assert first.referral_id == second.referral_id
    assert count(ReferralRow) == 1


def test_another_provider_another_center_or_birth_date_is_another_referral(ctx):
    publish()
    publish(CENTER_Y)
    a = do_book(slot_at(date(2027, 1, 13), 9), ctx["provider_a"].id)
    b = do_book(slot_at(date(2027, 1, 13), 10), ctx["provider_b"].id)
    y = do_book(slot_at(date(2027, 1, 13), 9, CENTER_Y), ctx["provider_a"].id)
    assert len({a.referral_id, b.referral_id, y.referral_id}) == 3


def test_a_closed_referral_gets_a_new_one_with_the_next_booking(ctx):
    publish()
    provider = ctx["provider_a"]
    first = do_book(slot_at(date(2027, 1, 13), 9), provider.id)
    closed = db.session().get(ReferralRow, first.referral_id)
    move(closed, "declined", provider)
    again = do_book(slot_at(date(2027, 1, 14), 9), provider.id)
    assert again.referral_id != first.referral_id
    fresh = db.session().get(ReferralRow, again.referral_id)
    assert fresh.stage == "referral"
    db.session().expire_all()
    assert db.session().get(ReferralRow, first.referral_id).stage == "declined"


# The journey appends -----------------------------------------------------------------------------


def test_moves_and_corrections_only_ever_append_to_the_history(ctx):
    provider, staff = ctx["provider_a"], ctx["staff_x"]
    referral = do_refer(provider.id, "Alex Doe", on=TODAY - timedelta(days=10))
    move(referral, "consultation", staff, at=TODAY - timedelta(days=5))
    move(referral, "leukapheresis", staff, at=TODAY - timedelta(days=2))
    assert count(ReferralEventRow, ReferralEventRow.referral_id == referral.id) == 3
    before = [
        (e.position, e.stage, e.at, e.note)
        for e in db.session().scalars(
            select(ReferralEventRow).where(ReferralEventRow.referral_id == referral.id)
        )
    ]
    # Leukapheresis was recorded by mistake: it was the benefits check.
    fixed = move(
        referral, "benefits", staff, at=TODAY - timedelta(days=2), note="Wrong stage",
        correction=True,
    )  # fmt: skip
    assert fixed.stage == "benefits" and fixed.stage_since == TODAY - timedelta(days=2)
    assert count(ReferralEventRow, ReferralEventRow.referral_id == referral.id) == 4
    db.session().expire_all()
    events = list(
        db.session().scalars(
            select(ReferralEventRow)
            .where(ReferralEventRow.referral_id == referral.id)
            .order_by(ReferralEventRow.position)
        )
    )
    assert [(e.position, e.stage, e.at, e.note) for e in events[:3]] == before  # untouched
    assert (events[3].stage, events[3].correction_of, events[3].note) == (
        "benefits",
        2,
        "Wrong stage",
    )
    # A correction of an earlier entry: the consultation was a day later than recorded.
    move(
        referral, "consultation", staff, at=TODAY - timedelta(days=4), note="Date", correction=True,
        entry=1,
    )  # fmt: skip
    assert count(ReferralEventRow, ReferralEventRow.referral_id == referral.id) == 5
    db.session().expire_all()
    now_reads = db.session().get(ReferralRow, referral.id)
    assert now_reads.stage == "consultation"
    assert now_reads.stage_since == TODAY - timedelta(days=4)


def test_a_refused_move_changes_nothing(ctx):
    provider = ctx["provider_a"]
    referral = do_refer(provider.id, "Alex Doe")
    with pytest.raises(StageNotAllowed, match="cannot come before"):
        move(referral, "infusion", provider)
    assert count(ReferralEventRow, ReferralEventRow.referral_id == referral.id) == 1
    assert db.session().get(ReferralRow, referral.id).stage == "referral"


def test_the_provider_hears_of_a_move_by_staff_but_not_of_their_own(ctx):
    provider, staff, admin = ctx["provider_a"], ctx["staff_x"], ctx["admin"]
    referral = do_refer(provider.id, "Alex Doe")
    move(referral, "consultation", provider)
    assert notifications(referral.id) == 0
    moved = move(referral, "benefits", staff)
    assert notifications(referral.id) == 1
    message = (
        db.session()
        .scalars(select(ReminderRow).where(ReminderRow.referral_id == referral.id))
        .one()
    )
    last = moved.events[-1]
    assert (message.referral_event_id, message.recipient, message.status) == (
        last.id,
        "provider",
        "pending",
    )
    assert message.booking_id is None and message.due_at == NOW
    move(referral, "leukapheresis", admin)
    assert notifications(referral.id) == 2


def test_a_correction_that_keeps_the_stage_sends_nothing(ctx):
    provider, staff = ctx["provider_a"], ctx["staff_x"]
    referral = do_refer(provider.id, "Alex Doe", on=TODAY - timedelta(days=3))
    move(referral, "consultation", provider, at=TODAY - timedelta(days=2))
    move(
        referral, "consultation", staff, at=TODAY - timedelta(days=1), note="Date", correction=True
    )
    assert notifications(referral.id) == 0


def test_a_change_made_meanwhile_is_refused_not_overwritten(app, ctx):
    provider, staff = ctx["provider_a"], ctx["staff_x"]
    referral = do_refer(provider.id, "Alex Doe")
    catalog = current_catalog()
    db.session().commit()  # the catalog's reading ends here, before the two sessions write
    engine = db.engine(app)
    with Session(engine, expire_on_commit=False) as slow, Session(engine) as quick:
        seen = slow.get(ReferralRow, referral.id)  # read, then the caller thinks a while
        assert seen is not None and len(seen.events) == 1
        slow.commit()
        other = quick.get(ReferralRow, referral.id)
        assert other is not None
        entry = use_cases.StageEntry("consultation", at=TODAY)
        quick_work = unit_of_work(quick, now=NOW)
        use_cases.record_stage(quick_work, actor(staff), other.id, entry, catalog=catalog)
        with pytest.raises(ReferralChanged):
            use_cases.record_stage(
                unit_of_work(slow, now=NOW), actor(provider), seen.id, entry, catalog=catalog
            )
    db.session().expire_all()
    assert count(ReferralEventRow, ReferralEventRow.referral_id == referral.id) == 2
    assert notifications(referral.id) == 1  # only the change that was made


# Who sees what -----------------------------------------------------------------------------------


def test_a_referral_is_found_only_by_its_provider_its_center_and_admins(ctx):
    referral = do_refer(ctx["provider_a"].id, "Alex Doe")
    session = db.session()
    for who in ("provider_a", "staff_x", "admin"):
        assert find_referral(session, actor(ctx[who]), referral.id).id == referral.id
    for who in ("provider_b", "staff_y"):
        with pytest.raises(UnknownReference):
            find_referral(session, actor(ctx[who]), referral.id)
    with pytest.raises(UnknownReference):
        find_referral(session, actor(ctx["admin"]), 999_999)


# The dashboard -----------------------------------------------------------------------------------


@pytest.fixture
def three(ctx):
    """Alex (provider A, center X, booked), Bea (provider A, center Y), Cy (provider B, X)."""
    publish()
    booking = do_book(slot_at(date(2027, 1, 14), 10), ctx["provider_a"].id)
    do_book(slot_at(date(2027, 1, 13), 9), ctx["provider_a"].id)  # the sooner one
    bea = do_refer(ctx["provider_a"].id, "Bea Roe", CENTER_Y)
    cy = do_refer(ctx["provider_b"].id, "Cy Poe-Smith", stage="eligibility")
    return {"alex": booking.referral_id, "bea": bea.id, "cy": cy.id}


def names(rows) -> list[str]:
    return sorted(row.referral.patient_name for row in rows)


def test_each_sees_only_their_referrals_on_the_dashboard(ctx, three):
    assert names(rows_for(ctx["provider_a"])) == ["Alex Doe", "Bea Roe"]
    assert names(rows_for(ctx["provider_b"])) == ["Cy Poe-Smith"]
    assert names(rows_for(ctx["staff_x"])) == ["Alex Doe", "Cy Poe-Smith"]
    assert names(rows_for(ctx["staff_y"])) == ["Bea Roe"]
    assert names(rows_for(ctx["admin"])) == ["Alex Doe", "Bea Roe", "Cy Poe-Smith"]


def test_the_dashboard_filters_by_stage_and_center(ctx, three):
    admin = ctx["admin"]
    assert names(rows_for(admin, stage="eligibility")) == ["Cy Poe-Smith"]
    assert names(rows_for(admin, stage="referral")) == ["Alex Doe", "Bea Roe"]
    assert names(rows_for(admin, center_id=CENTER_Y)) == ["Bea Roe"]
    assert names(rows_for(admin, stage="referral", center_id=CENTER_X)) == ["Alex Doe"]
    assert rows_for(admin, stage="infusion") == []
    assert rows_for(ctx["staff_x"], center_id=CENTER_Y) == []  # not theirs: nothing, no error


def test_the_search_finds_every_word_in_any_case_and_no_wildcards(ctx, three):
    admin = ctx["admin"]
    assert names(rows_for(admin, search="doe")) == ["Alex Doe"]
    assert names(rows_for(admin, search="  POE  cy ")) == ["Cy Poe-Smith"]
    assert names(rows_for(admin, search="o")) == ["Alex Doe", "Bea Roe", "Cy Poe-Smith"]
    assert rows_for(admin, search="alex roe") == []
    assert rows_for(admin, search="%") == [] and rows_for(admin, search="_") == []
    assert names(rows_for(ctx["provider_b"], search="doe")) == []  # never another's patients


def test_the_search_folds_names_beyond_ascii(ctx):
    do_refer(ctx["provider_a"].id, "Zoë Álvarez")
    assert names(rows_for(ctx["provider_a"], search="álvarez ZOË")) == ["Zoë Álvarez"]


def test_the_next_appointment_is_the_soonest_booked_consultation(ctx, three):
    rows = {row.referral.id: row for row in rows_for(ctx["admin"])}
    expected = slot_at(date(2027, 1, 13), 9).start_at
    assert rows[three["alex"]].next_appointment == expected
    assert rows[three["bea"]].next_appointment is None
    with db.transaction() as session:
        soonest = session.scalars(
            select(BookingRow).join(SlotRow).where(SlotRow.start_at == expected)
        ).one()
        cancel(session, soonest, reason="", now=NOW)
    rows = {row.referral.id: row for row in rows_for(ctx["admin"])}
    assert rows[three["alex"]].next_appointment == slot_at(date(2027, 1, 14), 10).start_at


def test_a_consultation_long_past_without_leukapheresis_is_flagged(ctx):
    staff = ctx["staff_x"]
    late = do_refer(ctx["provider_a"].id, "Late Case", on=TODAY - timedelta(days=60))
    waiting = LEUKAPHERESIS_WITHIN_DAYS + 1
    move(late, "consultation", staff, at=TODAY - timedelta(days=waiting))
    on_time = do_refer(ctx["provider_a"].id, "On Time", on=TODAY - timedelta(days=60))
    move(on_time, "consultation", staff, at=TODAY - timedelta(days=LEUKAPHERESIS_WITHIN_DAYS))
    rows = {row.referral.patient_name: row for row in rows_for(staff)}
    [flag] = rows["Late Case"].flags
    assert flag.code == "leukapheresis_overdue" and flag.days == waiting
    assert flag.message == f"Consultation done {waiting} days ago, no leukapheresis yet."
    assert rows["Late Case"].days_in_stage == waiting
    assert rows["On Time"].flags == ()
    assert names(rows_for(staff, overdue_only=True)) == ["Late Case"]
    # Once the cells are collected the flag is gone.
    move(late, "leukapheresis", staff)
    assert rows_for(staff, overdue_only=True) == []


def test_the_dashboard_counts_each_center_on_its_own_date(ctx):
    # 04:00 UTC on 12 January is still 11 January in Houston and Boston; a function of the
    # center gives each referral its own date.
    bea = do_refer(ctx["provider_a"].id, "Bea Roe", CENTER_Y, on=TODAY - timedelta(days=3))
    days = {CENTER_Y: TODAY, CENTER_X: TODAY + timedelta(days=1)}
    [row] = dashboard(
        db.session(), actor(ctx["admin"]), current_catalog(), today=days.__getitem__, now=NOW
    )
    assert row.referral.id == bea.id and row.days_in_stage == 3


# The export --------------------------------------------------------------------------------------


def test_the_export_quotes_cells_a_spreadsheet_would_run(ctx):
    provider = ctx["provider_a"]
    for name in ('=HYPERLINK("http://x")', "+1 Plus", "-2 Minus", "@SUM(A1)", "Plain Name"):
        do_refer(provider.id, name, indication="LBCL")
    text = export_csv(rows_for(provider))
    lines = list(csv.DictReader(io.StringIO(text)))
    exported = sorted(line["patient_name"] for line in lines)
    assert exported == [
        "'+1 Plus",
        "'-2 Minus",
        '\'=HYPERLINK("http://x")',
        "'@SUM(A1)",
        "Plain Name",
    ]
    assert all(line["stage"] == "referral" and line["days_in_stage"] == "0" for line in lines)
    assert text.splitlines()[0].startswith("referral_id,center_id,patient_name")


def test_the_export_holds_only_what_the_user_may_see(ctx):
    do_refer(ctx["provider_a"].id, "Alex Doe")
    do_refer(ctx["provider_b"].id, "Cy Poe")
    text = export_csv(rows_for(ctx["provider_b"]))
    assert "Cy Poe" in text and "Alex" not in text
