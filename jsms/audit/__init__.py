"""Append-only, hash-chained audit trail of every write and every sensitive read."""
