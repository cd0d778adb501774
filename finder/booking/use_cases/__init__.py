"""The booking commands, each written once for every door: the API, the provider's pages and
the staff's pages call these through a unit of work."""

from finder.booking.use_cases.bookings import (
    book_consultation,
    cancel_booking,
    download_invite,
    list_bookings,
    list_center_bookings,
    record_booking_outcome,
    reschedule_booking,
    view_booking,
)
from finder.booking.use_cases.calendar import (
    ClosureAdded,
    HoursChanged,
    add_closure,
    block_slot,
    change_hours,
    remove_closure,
)
from finder.booking.use_cases.holds import hold_slot, release_hold

__all__ = [
    "ClosureAdded",
    "HoursChanged",
    "add_closure",
    "block_slot",
    "book_consultation",
    "cancel_booking",
    "change_hours",
    "download_invite",
    "hold_slot",
    "list_bookings",
    "list_center_bookings",
    "record_booking_outcome",
    "release_hold",
    "remove_closure",
    "reschedule_booking",
    "view_booking",
]
