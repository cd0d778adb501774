"""Booking's pages: the provider's booking form and bookings, and the staff's calendar and
bookings of their centers."""
