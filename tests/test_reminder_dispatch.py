"""The dispatcher against a real SMTP server, on SQLite and PostgreSQL: due messages go out once,
cancelled and started ones never, failures are retried then shown as failed, and a crashed
dispatcher's claims are taken over when their lease runs out."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from finder.domain.accounts import Actor, Role
from finder.extensions import current_catalog
from finder.referrals import use_cases
from finder.reminders.dispatch import Dispatcher
from finder.reminders.messages import message_id
from finder.reminders.outbox import reminders_of
from finder.reminders.scheduler import build
from finder.storage import db
from finder.storage.models import BookingRow, ReminderRow
from finder.wiring import unit_of_work
from tests.accounts import CENTER_X, add_account
from tests.bookings import cancel
from tests.test_booking_service import NOW, do_book, publish, request_for, slot_at

WEDNESDAY = date(2027, 1, 13)
TODAY = date(2027, 1, 11)  # NOW's date at the center


class Clock:
    """The dispatcher's idea of now, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def mailing(make_app, smtp_server):
    """An app sending to the test SMTP server, with accounts and Dana-Farber's hours published."""
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    app = make_app(SMTP_URL=smtp_server.url, MAIL_FROM="Finder <reminders@finder.test>")
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
        provider = add_account(app, "provider_a", role="provider", practice="Cape Cod Oncology")
        publish()
        yield app, provider, smtp_server


def dispatcher(app, clock: Clock, **changes) -> Dispatcher:
    made = build(app).dispatcher
    made.clock = clock
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def statuses(booking_id: int) -> list[tuple[str, str, str]]:
    session = db.session()
    session.expire_all()
    return [
        (r.kind, r.recipient, r.status) for r in reminders_of(session, [booking_id])[booking_id]
    ]


def book_wednesday(provider, hour: int = 9) -> BookingRow:
    return do_book(request_for(slot_at(WEDNESDAY, hour).id), provider.id).booking


def test_confirmations_go_out_at_once_and_reminders_when_due(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    clock = Clock()
    assert dispatcher(app, clock).drain().sent == 2
    assert sorted(m["To"] for m in smtp.messages) == ["alex@example.org", provider.email]
    assert all(
        "confirm" in m["Subject"].lower() or "booked" in m["Subject"].lower() for m in smtp.messages
    )
    clock.now = booking.slot.start_at - timedelta(hours=24)
    assert dispatcher(app, clock).drain().sent == 2
    assert [s for _, _, s in statuses(booking.id)] == ["sent"] * 4


def test_every_message_carries_the_message_id_of_its_reminder(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    dispatcher(app, Clock()).drain()
    ids = {r.id for r in reminders_of(db.session(), [booking.id])[booking.id] if r.status == "sent"}
    expected = {message_id(reminder_id, app.config["MAIL_FROM"]) for reminder_id in ids}
    assert {m["Message-ID"] for m in smtp.messages} == expected


def test_each_message_has_text_html_and_the_calendar_entry(mailing):
    app, provider, smtp = mailing
    book_wednesday(provider)
    dispatcher(app, Clock()).drain()
    message = smtp.messages[0]
    types = [part.get_content_type() for part in message.walk()]
    assert {"text/plain", "text/html", "text/calendar"} <= set(types)


def test_after_downtime_everything_due_goes_out_in_one_drain(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    clock = Clock()
    clock.now = booking.slot.start_at - timedelta(hours=2)  # the scheduler was down until now
    assert dispatcher(app, clock).drain().sent == 4
    assert len(smtp.messages) == 4


def test_nothing_is_sent_for_a_consultation_that_has_started(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    clock = Clock()
    clock.now = booking.slot.start_at + timedelta(minutes=5)
    drained = dispatcher(app, clock).drain()
    assert (drained.sent, drained.skipped) == (0, 4)
    assert smtp.messages == []
    reasons = {r.detail for r in reminders_of(db.session(), [booking.id])[booking.id]}
    assert reasons == {"consultation already started"}


def test_a_cancelled_booking_gets_only_its_cancellation_notice(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    with db.transaction() as session:
        cancel(session, session.get(BookingRow, booking.id), reason="", now=NOW)
    clock = Clock()
    clock.now = booking.slot.start_at - timedelta(hours=1)
    assert dispatcher(app, clock).drain().sent == 2
    assert all("cancel" in m["Subject"].lower() for m in smtp.messages)


def test_a_row_cancelled_after_it_was_claimed_is_not_sent_when_its_turn_comes(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    clock = Clock()
    sending = dispatcher(app, clock)
    token, ids = sending.claim()
    with db.transaction() as session:
        cancel(session, session.get(BookingRow, booking.id), reason="", now=NOW)
    outcomes = [sending.deliver(reminder_id, token) for reminder_id in ids]
    assert outcomes == ["withdrawn", "withdrawn"]
    assert smtp.messages == []
    assert {s for k, _, s in statuses(booking.id) if k == "confirmation"} == {"cancelled"}


def test_a_temporary_refusal_is_retried_later_with_back_off(mailing):
    app, provider, smtp = mailing
    book_wednesday(provider)
    smtp.reply = "451 4.3.0 Try again later"
    clock = Clock()
    assert dispatcher(app, clock).drain().retried == 2
    session = db.session()
    session.expire_all()
    row = session.scalars(
        select(ReminderRow).where(ReminderRow.kind == "confirmation").order_by(ReminderRow.id)
    ).first()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    assert "451" in row.detail
    session.rollback()
    assert dispatcher(app, clock).drain().handled == 0  # not before its time
    smtp.reply = "250 OK"
    clock.now = NOW + timedelta(minutes=1)
    assert dispatcher(app, clock).drain().sent == 2


def test_after_five_temporary_failures_the_reminder_shows_as_failed(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    smtp.reply = "451 4.3.0 Try again later"
    clock = Clock()
    for _ in range(5):
        dispatcher(app, clock).drain()
        clock.now += timedelta(hours=1)
    assert [s for k, _, s in statuses(booking.id) if k == "confirmation"] == ["failed", "failed"]


def test_a_permanent_refusal_fails_at_once(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    smtp.reply = "550 5.1.1 No such user"
    assert dispatcher(app, Clock()).drain().failed == 2
    rows = reminders_of(db.session(), [booking.id])[booking.id]
    assert {(r.status, r.detail) for r in rows if r.kind == "confirmation"} == {
        ("failed", "the SMTP server replied 550")
    }


def test_an_address_stored_before_it_was_checked_fails_for_good_and_the_rest_go_out(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    other = book_wednesday(provider, hour=10)
    with db.transaction() as session:  # rows written before addresses were checked
        session.execute(
            update(BookingRow).where(BookingRow.id == booking.id).values(patient_email="josé@x.org")
        )
        session.execute(
            update(BookingRow)
            .where(BookingRow.id == other.id)
            .values(patient_email="ana@bücher.example")
        )
    drained = dispatcher(app, Clock()).drain()
    assert (drained.sent, drained.failed) == (3, 1)
    assert sorted(r[0] for r in smtp.recipients) == sorted(
        [provider.email, provider.email, "ana@xn--bcher-kva.example"]
    )
    failed = [
        r for r in reminders_of(db.session(), [booking.id])[booking.id] if r.status == "failed"
    ]
    assert [(r.recipient, r.detail) for r in failed] == [
        ("patient", "the recipient's address cannot be written in a message")
    ]


def test_a_crashed_dispatchers_claim_is_taken_over_when_the_lease_runs_out(mailing):
    app, provider, _smtp = mailing
    book_wednesday(provider)
    clock = Clock()
    crashed = dispatcher(app, clock)
    _, ids = crashed.claim()  # and never delivers
    assert len(ids) == 2
    assert dispatcher(app, clock).drain().handled == 0
    clock.now += crashed.lease
    assert dispatcher(app, clock).drain().sent == 2


def test_a_stop_request_finishes_the_message_in_hand_and_gives_back_the_rest(mailing):
    app, provider, _smtp = mailing
    for hour in (9, 10, 11):
        book_wednesday(provider, hour)
    clock = Clock()
    stopping = dispatcher(app, clock)

    class StopAfterOne:
        def send(self, mail):
            sent = app.extensions["finder.mail"].send(mail)
            stopping.stop.set()
            return sent

    stopping.sender = StopAfterOne()
    drained = stopping.drain()
    assert (drained.sent, drained.released) == (1, 5)
    session = db.session()
    session.expire_all()
    given_back = session.scalars(select(ReminderRow).where(ReminderRow.status == "pending"))
    assert {(r.claimed_until, r.attempts) for r in given_back if r.kind == "confirmation"} == {
        (None, 0)
    }
    session.rollback()
    assert dispatcher(app, clock).drain().sent == 5  # nothing waits for a lease


def test_two_dispatchers_at_once_send_each_message_once(mailing):
    app, provider, smtp = mailing
    for day in (13, 14, 15):
        for hour in (9, 10, 11):
            do_book(request_for(slot_at(date(2027, 1, day), hour).id), provider.id)
    with db.transaction() as session:
        session.execute(update(ReminderRow).values(next_attempt_at=NOW))
        total = len(session.scalars(select(ReminderRow.id)).all())
    clock = Clock()
    workers = [dispatcher(app, clock, batch_size=3, worker=f"w{n}") for n in range(2)]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == total


def test_the_provider_is_told_when_the_center_moves_their_patient_to_a_new_stage(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    staff = add_account(app, "staff_x", role="staff", centers=[CENTER_X])
    actor = Actor(staff.id, Role.STAFF, frozenset({CENTER_X}))
    with db.transaction() as session:
        entry = use_cases.StageEntry("consultation", at=TODAY, note="Seen with her daughter.")
        uow = unit_of_work(session, now=NOW)
        use_cases.record_stage(uow, actor, booking.referral_id, entry, catalog=current_catalog())
        already = update(ReminderRow).where(ReminderRow.booking_id.is_not(None))
        session.execute(already.values(status="sent"))
    assert dispatcher(app, Clock()).drain().sent == 1
    message = smtp.messages[0]
    assert message["To"] == provider.email
    assert message["Subject"] == (
        f"Referral {booking.referral_id} at Dana-Farber Cancer Institute: Consultation"
    )
    text = message.get_body(("plain",)).get_content()
    assert "A. D." in text and "Alex" not in text
    assert "Seen with her daughter." not in text  # the note stays on the page
    assert "read it on the referral page" in text
    assert f"/referrals/{booking.referral_id}" in text
    html = message.get_body(("html",)).get_content()
    assert ">Open the referral</a>" in html and "Seen with her daughter." not in html


def test_the_provider_is_not_told_of_a_stage_they_recorded_themselves(mailing):
    _app, provider, _smtp = mailing
    booking = book_wednesday(provider)
    with db.transaction() as session:
        provider_actor = Actor(provider.id, Role.PROVIDER, frozenset())
        entry = use_cases.StageEntry("consultation", at=TODAY)
        uow = unit_of_work(session, now=NOW)
        use_cases.record_stage(
            uow, provider_actor, booking.referral_id, entry, catalog=current_catalog()
        )
        queued = session.scalars(select(ReminderRow).where(ReminderRow.kind == "stage_changed"))
        assert list(queued) == []


def test_a_refused_recipient_fails_only_its_own_message_and_the_rest_share_a_connection(mailing):
    app, provider, smtp = mailing
    smtp.refused_recipients["alex@example.org"] = "550 5.1.1 No such user"
    bookings = [book_wednesday(provider, hour) for hour in (9, 10, 11)]
    drained = dispatcher(app, Clock()).drain()
    assert (drained.sent, drained.failed) == (3, 3)  # each patient's confirmation is refused
    assert [m["To"] for m in smtp.messages] == [provider.email] * 3
    assert len(set(smtp.peers)) == 1  # one SMTP connection carried them all
    for booking in bookings:
        assert sorted((r, s) for k, r, s in statuses(booking.id) if k == "confirmation") == [
            ("patient", "failed"),
            ("provider", "sent"),
        ]


def test_a_backlog_is_sent_by_several_workers_each_message_once(mailing):
    app, provider, smtp = mailing
    for day in (13, 14, 15):
        for hour in (9, 10, 11):
            do_book(request_for(slot_at(date(2027, 1, day), hour).id), provider.id)
    with db.transaction() as session:
        session.execute(update(ReminderRow).values(next_attempt_at=NOW))
        total = len(session.scalars(select(ReminderRow.id)).all())
    sending = dispatcher(app, Clock(), batch_size=2, workers=3, session_messages=4)
    seen: set[str] = set()
    original = sending._work

    def work(drain):
        seen.add(threading.current_thread().name)
        original(drain)

    sending._work = work
    drained = sending.drain()
    ids = [m["Message-ID"] for m in smtp.messages]
    assert drained.sent == len(ids) == len(set(ids)) == total
    assert len(seen) == 3  # the first worker and two that joined for the backlog
    assert len(set(smtp.peers)) < total  # sessions carried several messages each
    session = db.session()
    session.expire_all()
    rows = session.scalars(select(ReminderRow)).all()
    assert {(r.status, r.claimed_until, r.attempts) for r in rows} == {("sent", None, 1)}


def test_a_burst_for_one_consultation_is_composed_once_per_kind_and_recipient(mailing):
    from finder.reminders import messages

    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    composed = []

    def counting(*args, **kwargs):
        composed.append(args[0].kind)
        return compose(*args, **kwargs)

    compose = messages.compose
    clock = Clock()
    clock.now = booking.slot.start_at - timedelta(hours=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(messages, "compose", counting)
        with db.transaction() as session:  # the same reminder queued again and again
            row = session.scalars(select(ReminderRow).where(ReminderRow.kind == "reminder")).first()
            for _ in range(5):
                session.add(
                    ReminderRow(
                        booking_id=row.booking_id, kind=row.kind, recipient=row.recipient,
                        hours_before=row.hours_before, slot_id=row.slot_id, due_at=row.due_at,
                        next_attempt_at=row.next_attempt_at, status="pending", detail="",
                        attempts=0, claimed_by="", created_at=row.created_at,
                    )
                )  # fmt: skip
        drained = dispatcher(app, clock).drain()
    assert drained.sent == 9 == len(smtp.messages)
    assert len({m["Message-ID"] for m in smtp.messages}) == 9
    # confirmation and reminder, each to the provider and to the patient
    assert sorted(composed) == ["confirmation"] * 2 + ["reminder"] * 2


def test_a_burst_composed_once_still_carries_each_rows_message_id_on_the_sites_domain(mailing):
    app, provider, smtp = mailing
    booking = book_wednesday(provider)
    clock = Clock()
    clock.now = booking.slot.start_at - timedelta(hours=2)
    with db.transaction() as session:
        row = session.scalars(select(ReminderRow).where(ReminderRow.kind == "reminder")).first()
        for _ in range(3):
            session.add(
                ReminderRow(
                    booking_id=row.booking_id, kind=row.kind, recipient=row.recipient,
                    hours_before=row.hours_before, slot_id=row.slot_id, due_at=row.due_at,
                    next_attempt_at=row.next_attempt_at, status="pending", detail="",
                    attempts=0, claimed_by="", created_at=row.created_at,
                )
            )  # fmt: skip
        ids = list(session.scalars(select(ReminderRow.id)))
    sending = dispatcher(app, clock, public_url="https://cart.example.org")
    assert sending.drain().sent == len(ids) == len(smtp.messages)
    expected = {message_id(i, sending.from_address, "https://cart.example.org") for i in ids}
    assert {m["Message-ID"] for m in smtp.messages} == expected
    assert all(m["Message-ID"].endswith("@cart.example.org>") for m in smtp.messages)


def test_a_change_to_the_booking_between_two_messages_of_a_burst_is_composed_afresh(mailing):
    from finder.reminders.messages import ComposeCache
    from finder.reminders.preparing import Preparer

    app, provider, _ = mailing
    booking = book_wednesday(provider)
    made = build(app).dispatcher
    preparer = Preparer(made.centers, made.from_address, made.public_url, made.lease)
    cache = ComposeCache()
    now = booking.slot.start_at - timedelta(hours=2)
    with db.transaction() as session:
        row = session.scalars(select(ReminderRow).where(ReminderRow.kind == "reminder")).first()
        session.execute(update(ReminderRow).values(claimed_by="t"))
        reminder_id = row.id

    def prepared_mail():
        with db.transaction() as session:
            composing, _ = preparer.prepare(session, reminder_id, "t", cache, now)
        return composing()

    first = prepared_mail()
    assert prepared_mail().text == first.text and cache.composed == 1  # found, not composed
    with db.transaction() as session:
        session.execute(
            update(BookingRow).where(BookingRow.id == booking.id).values(patient_name="Jo Roe")
        )
    prepared_mail()
    assert cache.composed == 2


def test_the_dispatchers_connection_has_its_flush_setting_back_afterwards(mailing):
    from finder.reminders.dispatch import _outcomes_without_flush

    app, _, _ = mailing
    engine = db.engine(app)
    question = (
        "PRAGMA synchronous" if engine.dialect.name == "sqlite" else "SHOW synchronous_commit"
    )
    with engine.connect() as connection:
        before = connection.exec_driver_sql(question).scalar()
        connection.rollback()
        with _outcomes_without_flush(connection):
            during = connection.exec_driver_sql(question).scalar()
            connection.rollback()
        after = connection.exec_driver_sql(question).scalar()
        connection.rollback()
    assert str(during) in ("1", "off")  # NORMAL, or off
    assert after == before and str(before) in ("2", "on")  # FULL, or on
