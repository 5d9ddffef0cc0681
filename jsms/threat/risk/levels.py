"""Threat levels 1-6 (Minimal ... Extreme) from scores, for cells and for whole areas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["LEVEL_THRESHOLDS", "THREAT_LEVELS", "area_level", "level_for", "level_name"]

THREAT_LEVELS = ("Minimal", "Low", "Moderate", "Substantial", "High", "Extreme")
"""Names of threat levels 1..6 (``THREAT_LEVELS[level - 1]``)."""

LEVEL_THRESHOLDS: tuple[float, ...] = (0.25, 1.0, 3.0, 8.0, 20.0)
"""Lowest score of levels 2..6; a score below 0.25 is level 1. See :func:`level_for`."""


def level_for(scores: np.ndarray | float) -> Any:
    """Threat levels 1..6 for scores, by the fixed :data:`LEVEL_THRESHOLDS`.

    ===== =========== ============ ==========================================================
    level name        score from   reads as (one fresh incident keeps 0.7 of its severity)
    ===== =========== ============ ==========================================================
    1     Minimal     0            nothing, or old and minor
    2     Low         0.25         a minor incident, or a serious one about a year ago
    3     Moderate    1            a recent attack with few or no casualties
    4     Substantial 3            a recent attack with several casualties, or steady activity
    5     High        8            several serious attacks within months
    6     Extreme     20           a sustained campaign of mass-casualty attacks
    ===== =========== ============ ==========================================================

    Calibration: the surface was built from the Global Terrorism Database extract for Pakistan
    (12,237 geocoded incidents 2007-2018, severities as in ``benchmarks/risk.py``) at
    2018-12-31 with the defaults (half-life 180 days, smoothing 0.3). The thresholds are round
    numbers about a factor 3 apart, placed so that of the 10,311 resolution-7 cells with any
    score 97 % are level 1-2 (92.4 % / 4.9 % / 2.0 % / 0.6 % / 9 cells / 3 cells for levels
    1..6; of the 1,059 resolution-5 regions 71 % / 12 % / 12 % / 4 % / 8 / 3), and the
    known hot spots come out on top: Quetta 6 (score 75), Karachi 6 (58), Peshawar 6 (24),
    Dera Ismail Khan and Turbat 5, Lahore and Islamabad 4, Gwadar 3, while Gilgit, Skardu and
    the Thar desert are 1. Levels 5 and 6 are kept for the few places with a sustained,
    recent campaign. The thresholds are fixed, not quantiles, so that a level means the same
    thing from one rebuild to the next and falls as violence subsides.

    Parameters
    ----------
    scores : array_like
        Cell scores (severity points).

    Returns
    -------
    numpy.ndarray of int8
        Levels 1..6, same shape as ``scores``; monotone non-decreasing in the score.

    Examples
    --------
    >>> level_for(np.array([0.0, 0.3, 1.0, 5.0, 10.0, 50.0])).tolist()
    [1, 2, 3, 4, 5, 6]
    """
    s = np.asarray(scores, dtype=np.float64)
    levels = np.searchsorted(np.asarray(LEVEL_THRESHOLDS), s, side="right") + 1
    return levels.astype(np.int8)


def level_name(level: int) -> str:
    """The name of threat level 1..6.

    Examples
    --------
    >>> level_name(4)
    'Substantial'
    """
    if not 1 <= level <= len(THREAT_LEVELS):
        raise ValueError(f"threat level must be 1..6, got {level}")
    return THREAT_LEVELS[level - 1]


def area_level(cell_scores: np.ndarray | Sequence[float], *, support: int = 1) -> int:
    """Threat level of a district or province from the scores of its resolution-7 cells.

    The area's level is the level reached by at least ``support`` of its cells, i.e. the level
    of its ``support``-th highest score. The default, 1, is the maximum: an area is as
    dangerous as the worst place in it, which is what a movement planner needs and matches the
    resolution-5 aggregation. Robust statistics were tried on the GTD at 2018-12-31 and hide
    real hot spots, because sources geocode most incidents to a town centroid so a district's
    danger sits in one cell (smoothing gives its neighbours 5 % each): the 3rd-highest cell put
    Peshawar district at 3 with the city at 6 and Islamabad at 2 with its centre at 4; a
    score-weighted median put Khyber Pakhtunkhwa and Balochistan at 3; a high percentile of
    all cells is 1 for any large area (95 % of Balochistan's 65,000 cells score 0).
    Use ``support`` > 1 for point-accurate sources where one stray incident should not set
    the level of a whole area. An isolated or wrong incident can also be corrected with an
    :class:`Override`.

    Parameters
    ----------
    cell_scores : array_like
        Scores of the area's resolution-7 cells; cells without incidents may be given as zeros
        (:meth:`RiskSurface.scores_for` does) or left out.
    support : int, default 1
        How many cells must reach a level for the area to have it.

    Returns
    -------
    int
        Level 1..6 (1 for an area without scores).

    Examples
    --------
    >>> area_level([25.0, 0.5, 0.5, 0.0])
    6
    >>> area_level([25.0, 9.0, 4.0, 0.0], support=3)   # the third-hottest cell is level 4
    4
    """
    if support < 1:
        raise ValueError("support must be >= 1")
    s = np.asarray(cell_scores, dtype=np.float64).ravel()
    if s.size == 0:
        return 1
    k = min(support, s.size)
    kth = np.partition(s, s.size - k)[s.size - k]
    return int(level_for(kth))
