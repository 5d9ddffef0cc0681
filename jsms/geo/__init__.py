"""Geography: gazetteer (names, provinces, districts) and H3 cell helpers."""
