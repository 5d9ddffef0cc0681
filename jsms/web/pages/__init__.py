"""The control room's pages, one module per area of work; each exports `router`."""
