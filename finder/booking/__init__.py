"""Consultation calendars and bookings."""
