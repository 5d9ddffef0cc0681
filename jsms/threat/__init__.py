"""Threat picture: incidents, importers, OSINT extraction, risk surface and threat levels."""
