"""Holding a slot, on SQLite and PostgreSQL: a held place counts against capacity, belongs to
its provider, becomes their booking, and is free again once released or run out."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from finder.booking import calendar, use_cases
from finder.booking.holds import UnknownHold
from finder.domain.availability import parse_availability
from finder.domain.bookings import SlotTaken
from finder.domain.errors import UnknownReference
from finder.domain.slots import SlotNotBookable
from finder.storage.models import HoldRow
from tests.accounts import CENTER_X
from tests.scheduling import HOURS, NOW, Clinic, open_clinic


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    yield from open_clinic(database_url)


def free_ids(clinic: Clinic, now=NOW) -> set[int]:
    center = clinic.centers.get(CENTER_X)
    day = now.date()
    return {
        slot.id
        for slot in calendar.free_slots(
            clinic.session, center, first_day=day, last_day=day + timedelta(days=14), now=now
        )
    }


def test_held_places_count_against_capacity_and_a_third_provider_is_refused(clinic):
    slot = clinic.bookable()[0]
    first = clinic.hold(slot, 0)
    assert slot.id in free_ids(clinic)  # one place of two still free
    clinic.hold(slot, 1)
    assert slot.id not in free_ids(clinic)
    with pytest.raises(SlotTaken):
        clinic.hold(slot, 2)
    with pytest.raises(SlotTaken):
        clinic.book(slot, 2)
    assert first.expires_at.timestamp() == (NOW + timedelta(minutes=10)).timestamp()


def test_the_holder_books_with_or_without_naming_the_hold(clinic):
    slot = clinic.bookable()[0]
    one = clinic.hold(slot, 0)
    clinic.hold(slot, 1)
    booked = clinic.book(slot, 0, hold_id=one.id).booking
    assert booked.slot_id == slot.id
    clinic.book(slot, 1)  # their hold is found without its id
    assert clinic.session.query(HoldRow).count() == 0
    clinic.session.refresh(slot)
    assert slot.booked == 2


def test_holding_again_renews_the_one_hold(clinic):
    slot = clinic.bookable()[0]
    first = clinic.hold(slot, 0)
    again = clinic.hold(slot, 0, now=NOW + timedelta(minutes=5))
    assert again.id == first.id
    assert clinic.session.query(HoldRow).count() == 1


def test_another_providers_hold_is_refused(clinic):
    slot = clinic.bookable()[0]
    theirs = clinic.hold(slot, 0)
    with pytest.raises(UnknownHold):
        clinic.book(slot, 1, hold_id=theirs.id)
    with pytest.raises(UnknownReference):
        use_cases.release_hold(clinic.uow(), clinic.providers[1], theirs.id)


def test_an_expired_or_released_hold_frees_the_place(clinic):
    slot = clinic.bookable()[0]
    clinic.hold(slot, 0)
    clinic.hold(slot, 1)
    later = NOW + timedelta(minutes=11)
    assert slot.id in free_ids(clinic, later)  # both ran out
    clinic.hold(slot, 2, now=later)
    mine = clinic.hold(slot, 0, now=later).id
    with pytest.raises(SlotTaken):
        clinic.book(slot, 1, now=later)
    use_cases.release_hold(clinic.uow(later), clinic.providers[0], mine)
    booked = clinic.book(slot, 1, now=later)
    assert booked.booking.slot_id == slot.id
    with pytest.raises(SlotTaken):
        clinic.book(slot, 0, hold_id=mine, now=later)  # released: no longer theirs


def test_a_slot_inside_the_notice_window_cannot_be_held(clinic):
    soon = next(s for s in clinic.slots() if s not in clinic.bookable())
    with pytest.raises(SlotNotBookable):
        clinic.hold(soon, 0)


def test_an_unknown_slot_is_not_found(clinic):
    with pytest.raises(UnknownReference):
        use_cases.hold_slot(clinic.uow(), clinic.providers[0], 999999, centers=clinic.centers,
                            seconds=600)  # fmt: skip


def test_a_held_slot_the_center_stops_offering_goes_with_its_hold(clinic):
    slot = clinic.bookable()[0]
    clinic.hold(slot, 0)
    center = clinic.centers.get(CENTER_X)
    fewer = parse_availability({**HOURS, "weekly": []}, timezone=center.timezone)
    calendar.save_availability(clinic.session, center, fewer, now=NOW, by=None)
    clinic.session.commit()
    assert clinic.session.query(HoldRow).count() == 0
