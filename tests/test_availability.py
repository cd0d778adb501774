"""Consultation hours and closures: what staff may enter, the slots they expand into in the
center's own zone (DST included), and when a slot may still be booked."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from finder.domain.availability import (
    ENDED,
    STARTED_LONG_AGO,
    TOO_FAR_AHEAD,
    Availability,
    Closure,
    InvalidAvailability,
    InvalidClosure,
    WeeklyHours,
    availability_json,
    check_closure_dates,
    closure_json,
    closure_window,
    parse_availability,
    parse_closure,
)
from finder.domain.errors import DomainError
from finder.domain.slots import (
    BeyondHorizon,
    CenterClosed,
    InsideMinimumNotice,
    SlotInPast,
    SlotNotBookable,
    SlotTime,
    bookable,
    check_bookable,
    expand,
    horizon_days_range,
    outside_hours,
)

NEW_YORK = "America/New_York"
PHOENIX = "America/Phoenix"
WINTER_MONDAY = date(2027, 1, 11)
SUMMER_MONDAY = date(2027, 7, 12)
SPRING_FORWARD = date(2027, 3, 14)  # a Sunday: 02:00 EST becomes 03:00 EDT
FALL_BACK = date(2027, 11, 7)  # a Sunday: 02:00 EDT becomes 01:00 EST

GOOD = {
    "weekly": [
        {"day": "mon", "start": "09:00", "end": "12:00"},
        {"day": "mon", "start": "13:00", "end": "16:30"},
        {"day": "thu", "start": "08:15", "end": "10:00"},
    ],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 24,
    "horizon_days": 60,
}


def hours(*ranges: tuple[str, str, str], timezone: str = NEW_YORK, **numbers: int) -> Availability:
    """Availability from (day, start, end) ranges; numbers default to the API's example."""
    data = {**GOOD, **numbers}
    data["weekly"] = [{"day": d, "start": s, "end": e} for d, s, e in ranges]
    return parse_availability(data, timezone=timezone)


def slots_on(availability: Availability, *days: date, closures=()) -> list[SlotTime]:
    return expand(availability, closures, first_day=min(days), last_day=max(days))


def local_starts(slots: list[SlotTime], timezone: str) -> list[str]:
    zone = ZoneInfo(timezone)
    return [slot.start.astimezone(zone).strftime("%H:%M") for slot in slots]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def with_changes(**changes: object) -> dict[str, object]:
    return {**GOOD, **changes}


def with_hours(*entries: object) -> dict[str, object]:
    return with_changes(weekly=list(entries))


# --- what staff may enter -------------------------------------------------------------------


def test_good_hours_round_trip_through_the_api_shape():
    assert availability_json(parse_availability(GOOD, timezone=NEW_YORK)) == GOOD


def test_parsed_hours_keep_local_times_and_the_zone():
    availability = parse_availability(GOOD, timezone=NEW_YORK)
    assert availability.weekly[0] == WeeklyHours("mon", time(9), time(12))
    assert availability.timezone == NEW_YORK


def test_weekly_hours_are_listed_in_weekday_order_whatever_the_input_order():
    data = with_hours(
        {"day": "sun", "start": "10:00", "end": "11:00"},
        {"day": "fri", "start": "10:00", "end": "11:00"},
        {"day": "mon", "start": "14:00", "end": "15:00"},
        {"day": "mon", "start": "09:00", "end": "10:00"},
    )
    weekly = availability_json(parse_availability(data, timezone=NEW_YORK))["weekly"]
    assert [(h["day"], h["start"]) for h in weekly] == [
        ("mon", "09:00"),
        ("mon", "14:00"),
        ("fri", "10:00"),
        ("sun", "10:00"),
    ]


def test_a_center_may_have_no_weekly_hours_at_all():
    availability = parse_availability(with_hours(), timezone=NEW_YORK)
    assert slots_on(availability, WINTER_MONDAY, WINTER_MONDAY + timedelta(days=6)) == []


def test_ranges_that_touch_do_not_overlap():
    data = with_hours(
        {"day": "tue", "start": "09:00", "end": "12:00"},
        {"day": "tue", "start": "12:00", "end": "15:00"},
    )
    assert len(parse_availability(data, timezone=NEW_YORK).weekly) == 2


def test_the_same_range_on_different_days_is_not_an_overlap():
    data = with_hours(
        {"day": "tue", "start": "09:00", "end": "12:00"},
        {"day": "wed", "start": "09:00", "end": "12:00"},
    )
    assert len(parse_availability(data, timezone=NEW_YORK).weekly) == 2


def one_range(**entry: object) -> dict[str, object]:
    return with_hours({"day": "mon", "start": "09:00", "end": "12:00", **entry})


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        (one_range(day="monday"), "weekly[0].day", "must be one of mon, tue"),
        (one_range(day="Mon"), "weekly[0].day", "must be one of"),
        (one_range(start="25:00"), "weekly[0].start", "HH:MM"),
        (one_range(start="9:00"), "weekly[0].start", "HH:MM"),
        (one_range(start="09:60"), "weekly[0].start", "HH:MM"),
        (one_range(start="09:00:00"), "weekly[0].start", "HH:MM"),
        (one_range(start=900), "weekly[0].start", "HH:MM"),
        (one_range(end="24:00"), "weekly[0].end", "HH:MM"),
        (one_range(end="09:00"), "weekly[0].end", "must be after start"),
        (one_range(end="08:00"), "weekly[0].end", "must be after start"),
        (one_range(room="B12"), "weekly[0].room", "unknown field"),
        (with_hours("mon 09:00-12:00"), "weekly[0]", "must be an object"),
        (with_changes(weekly="mon 09:00-12:00"), "weekly", "must be a list"),
        (with_changes(weekly=None), "weekly", "required"),
        (with_changes(slot_minutes=9), "slot_minutes", "between 10 and 480"),
        (with_changes(slot_minutes=481), "slot_minutes", "between 10 and 480"),
        (with_changes(slot_minutes="60"), "slot_minutes", "whole number"),
        (with_changes(slot_minutes=60.0), "slot_minutes", "whole number"),
        (with_changes(slot_minutes=True), "slot_minutes", "whole number"),
        (with_changes(buffer_minutes=-1), "buffer_minutes", "between 0 and 240"),
        (with_changes(buffer_minutes=241), "buffer_minutes", "between 0 and 240"),
        (with_changes(capacity=0), "capacity", "between 1 and 50"),
        (with_changes(capacity=51), "capacity", "between 1 and 50"),
        (with_changes(min_notice_hours=-1), "min_notice_hours", "between 0 and 720"),
        (with_changes(min_notice_hours=721), "min_notice_hours", "between 0 and 720"),
        (with_changes(horizon_days=0), "horizon_days", "between 1 and 365"),
        (with_changes(horizon_days=366), "horizon_days", "between 1 and 365"),
        (with_changes(horizon_days=None), "horizon_days", "whole number"),
        (with_changes(colour="blue"), "colour", "unknown field"),
        (with_changes(timezone="America/New_York"), "timezone", "unknown field"),
    ],
)
def test_bad_hours_are_refused_naming_the_field(data, field, reason):
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(data, timezone=NEW_YORK)
    assert reason in refused.value.fields[field]
    assert field in refused.value.message


@pytest.mark.parametrize("name", ["slot_minutes", "capacity", "horizon_days"])
def test_a_missing_number_is_required(name):
    data = {key: value for key, value in GOOD.items() if key != name}
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(data, timezone=NEW_YORK)
    assert refused.value.fields == {name: "required"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("slot_minutes", 10),
        ("slot_minutes", 480),
        ("buffer_minutes", 0),
        ("buffer_minutes", 240),
        ("capacity", 1),
        ("capacity", 50),
        ("min_notice_hours", 0),
        ("min_notice_hours", 720),
        ("horizon_days", 1),
        ("horizon_days", 365),
    ],
)
def test_numbers_at_their_limits_are_accepted(name, value):
    availability = parse_availability(with_changes(**{name: value}), timezone=NEW_YORK)
    assert getattr(availability, name) == value


def test_overlapping_ranges_on_one_day_are_refused_naming_the_later_one():
    data = with_hours(
        {"day": "wed", "start": "09:00", "end": "12:00"},
        {"day": "wed", "start": "11:00", "end": "13:00"},
    )
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(data, timezone=NEW_YORK)
    assert refused.value.fields == {"weekly[1]": "overlaps weekly[0] on wed"}


def test_every_range_inside_a_long_one_is_an_overlap():
    data = with_hours(
        {"day": "wed", "start": "08:00", "end": "17:00"},
        {"day": "wed", "start": "09:00", "end": "10:00"},
        {"day": "wed", "start": "12:00", "end": "13:00"},
    )
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(data, timezone=NEW_YORK)
    assert set(refused.value.fields) == {"weekly[1]", "weekly[2]"}


def test_a_repeated_range_is_an_overlap():
    entry = {"day": "fri", "start": "09:00", "end": "10:00"}
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(with_hours(entry, entry), timezone=NEW_YORK)
    assert set(refused.value.fields) == {"weekly[1]"}


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(GOOD, timezone="Eastern Time")
    assert refused.value.fields == {"timezone": "not an IANA time zone"}


def test_every_problem_is_reported_at_once():
    data = {
        "weekly": [{"day": "funday", "start": "25:00", "end": "12:00"}],
        "slot_minutes": 5,
        "buffer_minutes": 0,
        "capacity": 0,
        "min_notice_hours": 24,
        "horizon_days": 60,
        "extra": 1,
    }
    with pytest.raises(InvalidAvailability) as refused:
        parse_availability(data, timezone=NEW_YORK)
    assert set(refused.value.fields) == {
        "weekly[0].day",
        "weekly[0].start",
        "slot_minutes",
        "capacity",
        "extra",
    }


def test_bad_hours_are_a_domain_error_with_its_own_code():
    with pytest.raises(DomainError) as refused:
        parse_availability([], timezone=NEW_YORK)
    assert refused.value.code == "invalid_availability"
    assert refused.value.fields == {"availability": "must be an object"}


# --- closures -------------------------------------------------------------------------------


def test_a_closure_of_one_date_starts_and_ends_that_day():
    closure = parse_closure({"date": "2027-12-24", "reason": "Christmas Eve"})
    assert closure == Closure(date(2027, 12, 24), date(2027, 12, 24), "Christmas Eve")


def test_a_closure_range_is_inclusive_and_round_trips():
    data = {"start": "2027-12-24", "end": "2028-01-01", "reason": "Holidays"}
    closure = parse_closure(data)
    assert (closure.start, closure.end) == (date(2027, 12, 24), date(2028, 1, 1))
    assert closure_json(closure) == data


def test_a_closure_reason_of_200_characters_is_accepted():
    assert len(parse_closure({"date": "2027-12-24", "reason": "x" * 200}).reason) == 200


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"date": "2027-12-24"}, "reason", "required"),
        ({"date": "2027-12-24", "reason": "   "}, "reason", "required"),
        ({"date": "2027-12-24", "reason": 7}, "reason", "required"),
        ({"date": "2027-12-24", "reason": "x" * 201}, "reason", "at most 200"),
        ({"date": "2027-02-30", "reason": "r"}, "date", "YYYY-MM-DD"),
        ({"date": "12/24/2027", "reason": "r"}, "date", "YYYY-MM-DD"),
        ({"date": "20271224", "reason": "r"}, "date", "YYYY-MM-DD"),
        ({"start": "2027-12-24", "reason": "r"}, "end", "required"),
        ({"reason": "r"}, "start", "required"),
        ({"start": "2027-12-24", "end": "2027-12-23", "reason": "r"}, "end", "not be before"),
        ({"date": "2027-12-24", "end": "2027-12-25", "reason": "r"}, "end", "either date"),
        ({"date": "2027-12-24", "reason": "r", "note": "n"}, "note", "unknown field"),
    ],
)
def test_bad_closures_are_refused_naming_the_field(data, field, reason):
    with pytest.raises(InvalidClosure) as refused:
        parse_closure(data)
    assert reason in refused.value.fields[field]
    assert refused.value.code == "invalid_closure"


def test_a_closure_reason_on_more_than_one_line_is_refused():
    for reason in ("Team away\r\nBcc: x@example.org", "Team\u2028away", "Team\x07away"):
        with pytest.raises(InvalidClosure) as refused:
            parse_closure({"date": "2027-12-24", "reason": reason})
        assert refused.value.fields == {"reason": "contains characters that are not allowed"}


CLOSURE_TODAY = date(2027, 3, 15)


def closure(start: date, end: date | None = None) -> Closure:
    return Closure(start, end or start, "Works")


def test_a_closure_wholly_in_the_past_is_refused_naming_today():
    with pytest.raises(InvalidClosure) as refused:
        check_closure_dates(
            closure(date(1, 1, 1), date(1, 1, 2)), today=CLOSURE_TODAY, horizon_days=14
        )
    assert refused.value.fields == {"end": ENDED}
    assert "2027-03-15" in refused.value.message
    with pytest.raises(InvalidClosure):
        check_closure_dates(closure(CLOSURE_TODAY - timedelta(days=1)), today=CLOSURE_TODAY,
                            horizon_days=14)  # fmt: skip


def test_a_closure_under_way_or_from_today_is_taken():
    yesterday, today = CLOSURE_TODAY - timedelta(days=1), CLOSURE_TODAY
    assert check_closure_dates(closure(yesterday, today), today=today, horizon_days=14)
    assert check_closure_dates(closure(today), today=today, horizon_days=14)


def test_a_closure_may_reach_two_years_beyond_the_booking_horizon_and_no_further():
    first, last = closure_window(CLOSURE_TODAY, 60)
    assert last == CLOSURE_TODAY + timedelta(days=60 + 730)
    assert first == CLOSURE_TODAY - timedelta(days=366)
    assert check_closure_dates(closure(last), today=CLOSURE_TODAY, horizon_days=60)
    with pytest.raises(InvalidClosure) as refused:
        check_closure_dates(closure(date(9999, 12, 31)), today=CLOSURE_TODAY, horizon_days=60)
    assert refused.value.fields == {"start": TOO_FAR_AHEAD}
    assert last.isoformat() in refused.value.message
    with pytest.raises(InvalidClosure) as refused:
        check_closure_dates(closure(last, date(9999, 12, 31)), today=CLOSURE_TODAY,
                            horizon_days=60)  # fmt: skip
    assert refused.value.fields == {"end": TOO_FAR_AHEAD}


def test_a_closure_that_began_more_than_a_year_ago_is_refused():
    with pytest.raises(InvalidClosure) as refused:
        check_closure_dates(closure(date(1, 1, 1), CLOSURE_TODAY), today=CLOSURE_TODAY,
                            horizon_days=14)  # fmt: skip
    assert refused.value.fields == {"start": STARTED_LONG_AGO}


# --- expansion in the center's zone ---------------------------------------------------------

SIX_ZONES = [
    # zone, UTC offset in hours on a winter Monday, on a summer Monday
    ("America/New_York", -5, -4),
    ("America/Chicago", -6, -5),
    ("America/Denver", -7, -6),
    ("America/Phoenix", -7, -7),
    ("America/Los_Angeles", -8, -7),
    ("Pacific/Honolulu", -10, -10),
]


@pytest.mark.parametrize(("timezone", "winter", "summer"), SIX_ZONES)
@pytest.mark.parametrize("season", ["winter", "summer"])
def test_monday_morning_hours_give_hourly_slots_at_the_right_instants(
    timezone, winter, summer, season
):
    monday, offset = (WINTER_MONDAY, winter) if season == "winter" else (SUMMER_MONDAY, summer)
    availability = hours(("mon", "09:00", "12:00"), timezone=timezone)
    slots = slots_on(availability, monday)
    nine_utc = datetime.combine(monday, time(9), tzinfo=UTC) - timedelta(hours=offset)
    assert [slot.start for slot in slots] == [nine_utc + timedelta(hours=h) for h in range(3)]
    assert [slot.end - slot.start for slot in slots] == [timedelta(hours=1)] * 3
    assert local_starts(slots, timezone) == ["09:00", "10:00", "11:00"]


@pytest.mark.parametrize("timezone", ["America/Phoenix", "Pacific/Honolulu"])
def test_zones_without_dst_give_the_same_utc_times_in_winter_and_summer(timezone):
    availability = hours(("mon", "09:00", "12:00"), timezone=timezone)
    winter = [slot.start.time() for slot in slots_on(availability, WINTER_MONDAY)]
    summer = [slot.start.time() for slot in slots_on(availability, SUMMER_MONDAY)]
    assert winter == summer


def test_hours_apply_only_on_their_weekday():
    availability = hours(("mon", "09:00", "10:00"))
    slots = slots_on(availability, WINTER_MONDAY, WINTER_MONDAY + timedelta(days=13))
    zone = ZoneInfo(NEW_YORK)
    assert [slot.start.astimezone(zone).date() for slot in slots] == [
        WINTER_MONDAY,
        WINTER_MONDAY + timedelta(days=7),
    ]


def test_slot_times_are_aware_utc_instants():
    slot = slots_on(hours(("mon", "09:00", "10:00")), WINTER_MONDAY)[0]
    assert slot.start.tzinfo is UTC
    with pytest.raises(ValueError, match="UTC"):
        SlotTime(datetime(2027, 1, 11, 14), datetime(2027, 1, 11, 15))


def test_a_buffer_separates_consecutive_slots():
    availability = hours(("mon", "09:00", "12:00"), slot_minutes=45, buffer_minutes=15)
    assert local_starts(slots_on(availability, WINTER_MONDAY), NEW_YORK) == [
        "09:00",
        "10:00",
        "11:00",
    ]


def test_a_slot_and_its_buffer_need_not_both_fit_but_the_slot_must():
    availability = hours(("mon", "09:00", "12:00"), slot_minutes=60, buffer_minutes=30)
    slots = slots_on(availability, WINTER_MONDAY)
    assert local_starts(slots, NEW_YORK) == ["09:00", "10:30"]
    assert slots[-1].end.astimezone(ZoneInfo(NEW_YORK)).time() == time(11, 30)


def test_several_ranges_a_day_each_give_their_slots():
    availability = hours(("mon", "09:00", "11:00"), ("mon", "13:00", "15:00"))
    assert local_starts(slots_on(availability, WINTER_MONDAY), NEW_YORK) == [
        "09:00",
        "10:00",
        "13:00",
        "14:00",
    ]


def test_the_remainder_of_a_range_shorter_than_a_slot_is_unused():
    availability = hours(("mon", "09:00", "11:30"))
    slots = slots_on(availability, WINTER_MONDAY)
    assert local_starts(slots, NEW_YORK) == ["09:00", "10:00"]


def test_a_range_shorter_than_one_slot_gives_no_slot():
    assert slots_on(hours(("mon", "09:00", "09:45")), WINTER_MONDAY) == []


def test_expanded_slots_are_sorted_and_unique():
    availability = hours(
        ("mon", "13:00", "15:00"), ("mon", "09:00", "11:00"), ("tue", "08:00", "10:00")
    )
    slots = slots_on(availability, WINTER_MONDAY, WINTER_MONDAY + timedelta(days=20))
    assert slots == sorted(slots)
    assert len(set(slots)) == len(slots) == 3 * 6


def test_an_empty_date_range_gives_no_slots():
    availability = hours(("mon", "09:00", "12:00"))
    assert expand(availability, (), first_day=WINTER_MONDAY, last_day=date(2027, 1, 10)) == []


# --- closures remove exactly their local dates ----------------------------------------------


def test_a_one_day_closure_removes_that_date_only():
    availability = hours(*[(day, "09:00", "10:00") for day in ("mon", "tue", "wed")])
    closed = Closure(WINTER_MONDAY + timedelta(days=1), WINTER_MONDAY + timedelta(days=1), "Staff")
    slots = slots_on(
        availability, WINTER_MONDAY, WINTER_MONDAY + timedelta(days=2), closures=[closed]
    )
    zone = ZoneInfo(NEW_YORK)
    assert [slot.start.astimezone(zone).date() for slot in slots] == [
        WINTER_MONDAY,
        WINTER_MONDAY + timedelta(days=2),
    ]


def test_a_closure_range_removes_every_date_it_covers_inclusive():
    days = ("mon", "tue", "wed", "thu", "fri")
    availability = hours(*[(day, "09:00", "10:00") for day in days])
    closed = Closure(date(2027, 1, 12), date(2027, 1, 14), "Inspection")
    slots = slots_on(availability, date(2027, 1, 11), date(2027, 1, 15), closures=[closed])
    zone = ZoneInfo(NEW_YORK)
    assert [slot.start.astimezone(zone).day for slot in slots] == [11, 15]


def test_closures_count_the_centers_local_dates_not_utc_dates():
    # 20:00 in Honolulu on 11 January is 06:00 UTC on 12 January.
    availability = hours(
        ("mon", "20:00", "21:00"), ("tue", "20:00", "21:00"), timezone="Pacific/Honolulu"
    )
    closed = Closure(date(2027, 1, 11), date(2027, 1, 11), "Training")
    slots = slots_on(availability, date(2027, 1, 11), date(2027, 1, 12), closures=[closed])
    assert [slot.start for slot in slots] == [utc(2027, 1, 13, 6)]


# --- the weeks of the DST changes -----------------------------------------------------------

NIGHT_SUNDAY = (("sun", "00:00", "04:00"),)


def test_spring_forward_gives_no_slot_at_local_times_that_do_not_exist():
    availability = hours(*NIGHT_SUNDAY, slot_minutes=30)
    slots = slots_on(availability, SPRING_FORWARD)
    assert local_starts(slots, NEW_YORK) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]


def test_spring_forward_misses_no_real_half_hour_and_doubles_none():
    availability = hours(*NIGHT_SUNDAY, slot_minutes=30)
    slots = slots_on(availability, SPRING_FORWARD)
    assert [slot.start for slot in slots] == [
        utc(2027, 3, 14, 5) + timedelta(minutes=30 * n) for n in range(6)
    ]
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)


def test_a_slot_ending_in_the_spring_gap_ends_when_the_clocks_jump():
    availability = hours(*NIGHT_SUNDAY, slot_minutes=30)
    last_before_jump = slots_on(availability, SPRING_FORWARD)[3]
    zone = ZoneInfo(NEW_YORK)
    assert last_before_jump.start.astimezone(zone).isoformat() == "2027-03-14T01:30:00-05:00"
    assert last_before_jump.end.astimezone(zone).isoformat() == "2027-03-14T03:00:00-04:00"


def test_a_slot_ending_inside_the_spring_gap_is_dropped():
    # 01:30-02:15 would really run to 03:15 EDT, over the 03:00 slot.
    availability = hours(*NIGHT_SUNDAY, slot_minutes=45)
    slots = slots_on(availability, SPRING_FORWARD)
    assert local_starts(slots, NEW_YORK) == ["00:00", "00:45", "03:00"]


def test_fall_back_gives_each_repeated_local_time_exactly_once():
    availability = hours(*NIGHT_SUNDAY, slot_minutes=30)
    slots = slots_on(availability, FALL_BACK)
    assert local_starts(slots, NEW_YORK) == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
    ]
    assert Counter(slot.start for slot in slots).most_common(1)[0][1] == 1


def test_fall_back_slots_never_overlap_and_all_last_their_length():
    availability = hours(*NIGHT_SUNDAY, slot_minutes=30)
    slots = slots_on(availability, FALL_BACK)
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)
    assert all(a.end <= b.start for a, b in pairwise(slots))


def test_a_repeated_time_takes_its_first_occurrence_unless_that_slot_would_run_long():
    # 01:00-01:30 fits in the first (EDT) occurrence of the hour. From the first 01:30 to
    # 02:00 is 90 real minutes, so that slot is taken at the second (EST) 01:30 instead.
    availability = hours(*NIGHT_SUNDAY, slot_minutes=30)
    zone = ZoneInfo(NEW_YORK)
    repeated = [s.start.astimezone(zone).isoformat() for s in slots_on(availability, FALL_BACK)]
    assert repeated[2:4] == ["2027-11-07T01:00:00-04:00", "2027-11-07T01:30:00-05:00"]


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
def test_a_slot_whose_real_length_differs_because_it_spans_the_transition_is_dropped(day):
    # 00:30-03:30 on the wall clock is 2 real hours in March and 4 in November, never 3.
    availability = hours(("sun", "00:30", "03:30"), slot_minutes=180)
    assert slots_on(availability, day) == []


@pytest.mark.parametrize(
    ("monday", "before", "after"),
    [(date(2027, 3, 8), "-05:00", "-04:00"), (date(2027, 11, 1), "-04:00", "-05:00")],
)
def test_weekday_hours_keep_their_wall_clock_time_across_a_dst_change(monday, before, after):
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    availability = hours(*[(day, "09:00", "10:00") for day in weekdays])
    slots = slots_on(availability, monday, monday + timedelta(days=11))
    zone = ZoneInfo(NEW_YORK)
    local = [slot.start.astimezone(zone) for slot in slots]
    assert len(local) == 10
    assert {moment.strftime("%H:%M") for moment in local} == {"09:00"}
    assert [moment.isoformat()[-6:] for moment in local] == [before] * 5 + [after] * 5


@pytest.mark.parametrize("monday", [date(2027, 3, 8), date(2027, 11, 1)])
def test_phoenix_is_unaffected_by_the_dst_weeks(monday):
    availability = hours(("mon", "09:00", "10:00"), ("sun", "00:00", "04:00"), timezone=PHOENIX)
    slots = slots_on(availability, monday, monday + timedelta(days=7))
    assert [slot.start for slot in slots] == (
        [utc(monday.year, monday.month, monday.day, 16)]
        + [utc(monday.year, monday.month, monday.day + 6, 7 + h) for h in range(4)]
        + [utc(monday.year, monday.month, monday.day + 7, 16)]
    )


@pytest.mark.parametrize(("timezone", "_winter", "_summer"), SIX_ZONES)
def test_a_whole_year_of_round_the_clock_hours_is_consistent_in_every_zone(
    timezone, _winter, _summer
):
    every_day = [(day, "00:00", "23:59") for day in ("mon", "tue", "wed", "thu", "fri", "sat")]
    availability = hours(*every_day, ("sun", "00:00", "23:59"), timezone=timezone, slot_minutes=45)
    slots = slots_on(availability, date(2027, 1, 1), date(2027, 12, 31))
    assert all(slot.end - slot.start == timedelta(minutes=45) for slot in slots)
    assert all(a.end <= b.start for a, b in pairwise(slots))
    zone = ZoneInfo(timezone)
    local = Counter(slot.start.astimezone(zone).replace(tzinfo=None) for slot in slots)
    assert max(local.values()) == 1


# --- when a slot may be booked --------------------------------------------------------------

NOW = utc(2027, 1, 11, 12)  # 07:00 in New York, Monday 11 January
RULES = hours(("mon", "09:00", "12:00"), min_notice_hours=24, horizon_days=60)


def refusal(slot_start: datetime, *, availability=RULES, closures=()) -> str | None:
    try:
        check_bookable(slot_start, now=NOW, availability=availability, closures=closures)
    except SlotNotBookable as error:
        return error.code
    return None


def test_a_slot_that_has_started_is_in_the_past():
    assert refusal(NOW - timedelta(minutes=1)) == "slot_in_past"
    assert refusal(NOW) == "slot_in_past"


def test_a_slot_inside_the_minimum_notice_is_refused():
    assert refusal(NOW + timedelta(hours=24) - timedelta(minutes=1)) == "inside_minimum_notice"


def test_a_slot_exactly_at_the_minimum_notice_is_bookable():
    assert refusal(NOW + timedelta(hours=24)) is None


def test_without_minimum_notice_any_future_slot_is_bookable():
    no_notice = hours(("mon", "09:00", "12:00"), min_notice_hours=0)
    assert refusal(NOW + timedelta(minutes=1), availability=no_notice) is None


def test_the_horizon_ends_with_the_last_local_date_it_names():
    # today (local) is 11 January; 60 days ahead is 12 March.
    assert horizon_days_range(date(2027, 1, 11), RULES) == (date(2027, 1, 11), date(2027, 3, 12))
    last_evening = datetime(2027, 3, 12, 23, 30, tzinfo=ZoneInfo(NEW_YORK))
    assert refusal(last_evening) is None
    assert refusal(last_evening + timedelta(minutes=30)) == "beyond_horizon"


def test_the_horizon_counts_from_the_centers_local_today():
    late_evening = utc(2027, 1, 12, 3)  # still 11 January in New York
    day_after = datetime(2027, 3, 13, 9, tzinfo=ZoneInfo(NEW_YORK))
    with pytest.raises(BeyondHorizon):
        check_bookable(day_after, now=late_evening, availability=RULES)


def test_every_slot_expanded_over_the_horizon_is_within_it():
    today, last = horizon_days_range(date(2027, 1, 11), RULES)
    slots = expand(RULES, (), first_day=today, last_day=last)
    after_notice = [slot for slot in slots if slot.start >= NOW + timedelta(hours=24)]
    assert len(after_notice) == 3 * 8
    assert {refusal(slot.start) for slot in after_notice} == {None}


def test_a_slot_on_a_closed_date_is_refused_with_the_reason():
    closed = Closure(date(2027, 1, 18), date(2027, 1, 18), "Staff training")
    slot = datetime(2027, 1, 18, 9, tzinfo=ZoneInfo(NEW_YORK))
    with pytest.raises(CenterClosed) as refused:
        check_bookable(slot, now=NOW, availability=RULES, closures=[closed])
    assert refused.value.code == "center_closed"
    assert "Staff training" in refused.value.message


def test_each_refusal_has_its_own_code_and_is_a_domain_error():
    kinds = (SlotInPast, InsideMinimumNotice, BeyondHorizon, CenterClosed)
    assert len({kind.code for kind in kinds}) == 4
    assert all(issubclass(kind, DomainError) for kind in kinds)


def test_bookable_answers_yes_or_no():
    assert bookable(NOW + timedelta(days=2), now=NOW, availability=RULES)
    assert not bookable(NOW - timedelta(days=2), now=NOW, availability=RULES)


# --- bookings left outside new hours --------------------------------------------------------


def test_bookings_no_longer_matching_a_slot_are_named_for_staff():
    new_hours = hours(("mon", "09:00", "11:00"))
    booked = [utc(2027, 1, 11, 14), utc(2027, 1, 11, 16)]  # 09:00 and 11:00 in New York
    assert outside_hours(booked, slots_on(new_hours, WINTER_MONDAY)) == [utc(2027, 1, 11, 16)]


def test_a_new_slot_length_displaces_bookings_off_the_new_grid():
    new_hours = hours(("mon", "09:00", "12:00"), slot_minutes=90)
    booked = [datetime(2027, 1, 11, h, tzinfo=ZoneInfo(NEW_YORK)) for h in (9, 10, 11)]
    assert outside_hours(booked, slots_on(new_hours, WINTER_MONDAY)) == booked[1:]


def test_bookings_on_a_newly_closed_date_are_displaced():
    closed = Closure(WINTER_MONDAY, WINTER_MONDAY, "Power outage")
    slots = slots_on(hours(("mon", "09:00", "12:00")), WINTER_MONDAY, closures=[closed])
    assert outside_hours([utc(2027, 1, 11, 14)], slots) == [utc(2027, 1, 11, 14)]


def test_unchanged_hours_displace_nobody_and_each_booking_is_listed_once_per_booking():
    slots = slots_on(RULES, WINTER_MONDAY)
    assert outside_hours([utc(2027, 1, 11, 14), utc(2027, 1, 11, 15)], slots) == []
    shared = [utc(2027, 1, 11, 13), utc(2027, 1, 11, 13)]  # two bookings of one capacity-2 slot
    assert outside_hours(shared, slots) == shared


def test_a_booked_start_without_a_zone_is_refused_rather_than_guessed():
    slots = slots_on(RULES, WINTER_MONDAY)
    with pytest.raises(ValueError, match="aware"):
        outside_hours([datetime(2027, 1, 11, 14)], slots)
