"""JSMS: the Joint Security Management System."""

__version__ = "0.1.0"
