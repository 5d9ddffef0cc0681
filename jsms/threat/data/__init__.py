"""Packaged data for the threat picture (OSINT extraction lexicon)."""
