"""Analyst overrides: a threat level set by hand for some cells, with a reason and an expiry."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from h3.api import basic_int as _h3i

from jsms.threat.risk.cells import cell_int
from jsms.threat.risk.levels import THREAT_LEVELS
from jsms.threat.risk.recency import to_epoch

__all__ = ["Override", "apply_overrides"]


@dataclass(frozen=True)
class Override:
    """An analyst's threat level for a set of cells, from ``starts_at`` until ``expires_at``.

    The cells may be resolution-5 regions, resolution-7 cells or a mix (a district or province
    is resolved to cells by the caller, e.g. with :func:`jsms.geo.h3cells.cells_in_polygon`).
    An override REPLACES the computed level, so it can lower it as well as raise it: analysts
    know things the incident data does not (a cleared area, a specific warning). Who set it and
    why is recorded in the audit chain by the service that stores it; here ``reason`` is only
    required to be non-empty.

    Examples
    --------
    >>> o = Override(cells=["851e1a2bfffffff"], level=6, reason="threat report", expires_at=100.0)
    >>> o.active(50.0), o.active(100.0)
    (True, False)
    """

    cells: frozenset[int]
    level: int
    reason: str
    expires_at: float
    starts_at: float = -math.inf
    _resolutions: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cells = frozenset(cell_int(c) for c in self.cells)
        if not cells:
            raise ValueError("an override needs at least one cell")
        for c in cells:
            if not _h3i.is_valid_cell(c):
                raise ValueError(f"not a valid H3 cell: {c!r}")
        if not 1 <= int(self.level) <= len(THREAT_LEVELS):
            raise ValueError(f"threat level must be 1..6, got {self.level}")
        if not self.reason or not self.reason.strip():
            raise ValueError("an override needs a reason")
        expires_at, starts_at = to_epoch(self.expires_at), to_epoch(self.starts_at)
        if not expires_at > starts_at:
            raise ValueError("expires_at must be after starts_at")
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "level", int(self.level))
        object.__setattr__(self, "expires_at", expires_at)
        object.__setattr__(self, "starts_at", starts_at)
        resolutions = sorted({_h3i.get_resolution(c) for c in cells})
        object.__setattr__(self, "_resolutions", tuple(resolutions))

    def active(self, at: float | datetime) -> bool:
        """Whether the override is in force at ``at`` (``starts_at <= at < expires_at``)."""
        t = to_epoch(at)
        return self.starts_at <= t < self.expires_at

    def covers(self, cell: int | str) -> bool:
        """Whether ``cell`` is one of the override's cells or lies inside one of them."""
        c = cell_int(cell)
        if c in self.cells:
            return True
        res = _h3i.get_resolution(c)
        return any(_h3i.cell_to_parent(c, r) in self.cells for r in self._resolutions if r < res)


def apply_overrides(
    level: int,
    overrides: Iterable[Override],
    at: float | datetime,
    cell: int | str | None = None,
) -> int:
    """The effective level: the computed ``level`` unless an override is in force.

    An override applies when it is active at ``at`` and, if ``cell`` is given, covers it (with
    ``cell=None`` the caller has already picked the overrides for the area). Of several, the one
    that started last wins (the latest judgement), ties going to the higher level. Expired or
    not yet started overrides are ignored, so asking about a past time T gives the level that
    was in force at T.

    Examples
    --------
    >>> o = Override(cells=["871e1a2a8ffffff"], level=2, reason="area cleared", expires_at=100.0)
    >>> apply_overrides(5, [o], at=10.0), apply_overrides(5, [o], at=100.0)
    (2, 5)
    """
    t = to_epoch(at)
    best: Override | None = None
    for o in overrides:
        if not o.active(t) or (cell is not None and not o.covers(cell)):
            continue
        if best is None or (o.starts_at, o.level) > (best.starts_at, best.level):
            best = o
    return level if best is None else best.level
