"""Rebuilding the risk surface at a moment from incidents' precomputed cells (NumPy only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from jsms.threat.risk.cells import (
    INDEX_RESOLUTION,
    REGION_RESOLUTION,
    are_cell_indexes,
    as_cells,
    neighbours,
    parents,
    resolutions_of,
)
from jsms.threat.risk.recency import DEFAULT_HALF_LIFE_DAYS, SECONDS_PER_DAY, to_epoch
from jsms.threat.risk.scores import DEFAULT_SMOOTHING, RiskSurface

__all__ = ["build_surface"]


def build_surface(
    cells: np.ndarray | Sequence[int],
    occurred: np.ndarray | Sequence[float],
    severities: np.ndarray | Sequence[float],
    *,
    at: float | datetime,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    smoothing: float = DEFAULT_SMOOTHING,
) -> RiskSurface:
    """Rebuild the risk surface at ``at`` from incidents' precomputed cells.

    1. Incidents after ``at`` (and those without a cell, 0) are dropped, so a surface for a past
       moment T shows what was known to have happened by T.
    2. Each weighs ``severity * decay(at - occurred)`` and the weights are summed per
       resolution-7 cell (``np.unique`` + ``np.bincount``).
    3. Smoothing: each cell keeps ``1 - smoothing`` and passes ``smoothing / 6`` to each of its
       k=1 neighbours; neighbours are found for the distinct scored cells only, by vectorised
       H3 digit arithmetic.
    4. Resolution-5 regions take the maximum of their resolution-7 cells (see
       :class:`RiskSurface`).

    Parameters
    ----------
    cells : array of uint64 or int64
        Resolution-7 H3 cell of each incident (finer cells are mapped to their res-7 parent).
    occurred : array of float
        When each incident happened, epoch seconds UTC.
    severities : array of float
        :func:`severity` of each incident, >= 0.
    at : float or aware datetime
        The moment the surface describes.
    half_life_days : float, default 180
        See :func:`decay`.
    smoothing : float, default 0.3
        Share of a cell's score passed to its neighbours, in [0, 1).

    Returns
    -------
    RiskSurface

    Examples
    --------
    >>> import h3
    >>> cell = h3.str_to_int(h3.latlng_to_cell(34.01, 71.54, 7))   # Peshawar
    >>> day = 86400.0
    >>> s = build_surface([cell, cell], [0.0, 200 * day], [4.0, 4.0], at=180 * day)
    >>> s.score_cell(cell)    # the later incident is ignored, the first counts half, x 0.7
    1.4
    >>> s.cells7.size, s.cells5.size
    (7, 1)
    """
    t = to_epoch(at)
    if not half_life_days > 0:
        raise ValueError("half_life_days must be > 0")
    if not 0.0 <= smoothing < 1.0:
        raise ValueError("smoothing must be in [0, 1)")
    c = as_cells(cells).ravel()
    occ = np.asarray(occurred, dtype=np.float64).ravel()
    sev = np.asarray(severities, dtype=np.float64).ravel()
    if not c.size == occ.size == sev.size:
        raise ValueError("cells, occurred and severities must have the same length")
    if sev.size and not (sev >= 0).all():
        raise ValueError("severities must be >= 0 (and not NaN)")

    keep = (occ <= t) & (c != 0)
    if not keep.all():
        c, occ, sev = c[keep], occ[keep], sev[keep]
    if c.size:
        if not are_cell_indexes(c):
            raise ValueError("cells must be H3 cell indexes")
        res = resolutions_of(c)
        if (res != INDEX_RESOLUTION).any():
            if (res < INDEX_RESOLUTION).any():
                raise ValueError(f"cells must be resolution {INDEX_RESOLUTION} or finer")
            c = parents(c, INDEX_RESOLUTION)
    weights = sev * np.exp2((occ - t) / (half_life_days * SECONDS_PER_DAY))  # decay(), inlined

    cells7, inverse = np.unique(c, return_inverse=True)
    scores7 = np.bincount(inverse, weights=weights, minlength=cells7.size)
    positive = scores7 > 0
    cells7, scores7 = cells7[positive], scores7[positive]

    if smoothing > 0 and cells7.size:
        ring, counts = neighbours(cells7)
        share = np.repeat(smoothing * scores7 / counts, 6)
        ring = ring.ravel()
        real = ring != 0
        if not real.all():
            ring, share = ring[real], share[real]
        every = np.concatenate((cells7, ring))
        cells7, inverse = np.unique(every, return_inverse=True)
        scores7 = np.bincount(
            inverse,
            weights=np.concatenate(((1 - smoothing) * scores7, share)),
            minlength=cells7.size,
        )

    regions = parents(cells7, REGION_RESOLUTION)  # sorted, since children sort by parent
    starts = np.flatnonzero(np.concatenate(([True], regions[1:] != regions[:-1])))
    if cells7.size == 0:
        starts = starts[:0]
    cells5 = regions[starts]
    scores5 = np.maximum.reduceat(scores7, starts) if starts.size else np.zeros(0)
    for arr in (cells7, scores7, cells5, scores5):
        arr.flags.writeable = False  # the lookup dicts are built from them once
    return RiskSurface(
        at=t,
        cells7=cells7,
        scores7=scores7,
        cells5=cells5,
        scores5=scores5,
        half_life_days=float(half_life_days),
        smoothing=float(smoothing),
        n_events=int(c.size),
    )
