"""Reminders: the outbox rows a booking writes, the messages, and the dispatcher that sends them."""
