"""Accounts: users and roles, passwords, sessions and tokens, one-time links."""
