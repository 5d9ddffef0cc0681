"""Agencies, users, roles, sessions and the one place where access is decided."""
