"""Tracking: devices, positions, check-ins and the live monitor (DESIGN.md §3)."""
