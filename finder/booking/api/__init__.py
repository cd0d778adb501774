"""The calendar and booking API: public free slots, the staff's hours, closures and blocks,
and the providers' bookings. Importing it declares its operations on the API blueprint, the
calendar's first, in the order the document lists them."""

from finder.booking.api import calendar

# isort: split
from finder.booking.api import bookings, holds
from finder.booking.api.answers import operations

__all__ = ["bookings", "calendar", "holds", "operations"]
