"""Alerts: lifecycle, escalation to both forces, notification channels, roll calls."""
