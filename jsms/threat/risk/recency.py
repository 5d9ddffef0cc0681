"""Recency: how much an incident still counts after some time, and times as epoch seconds.

Pure code and no clock: every time is passed in as epoch seconds (UTC), so "what was the level
here at time T" is a rebuild with ``at=T``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

__all__ = ["DEFAULT_HALF_LIFE_DAYS", "SECONDS_PER_DAY", "decay", "to_epoch"]

DEFAULT_HALF_LIFE_DAYS = 180.0
SECONDS_PER_DAY = 86_400.0


def decay(age_days: np.ndarray | float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> Any:
    """Recency weight ``0.5 ** (age_days / half_life_days)``; 0 for negative (future) ages.

    Parameters
    ----------
    age_days : array_like
        Age of incidents in days at the time the surface describes.
    half_life_days : float, default 180
        Age at which an incident counts half. Six months keeps a campaign visible for about a
        year (a quarter weight) while a lull of two years leaves ~6 %.

    Returns
    -------
    numpy.ndarray
        Weights in [0, 1], same shape as ``age_days``; NaN ages weigh 0.

    Examples
    --------
    >>> decay(np.array([0.0, 180.0, 360.0, -1.0])).tolist()
    [1.0, 0.5, 0.25, 0.0]
    """
    if not half_life_days > 0:
        raise ValueError("half_life_days must be > 0")
    age = np.asarray(age_days, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        past = age >= 0
    return np.where(past, np.exp2(-np.where(past, age, 0.0) / half_life_days), 0.0)


def to_epoch(moment: float | int | datetime) -> float:
    """Epoch seconds of a timezone-aware datetime (numbers pass through).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> to_epoch(datetime(2018, 12, 31, tzinfo=UTC))
    1546214400.0
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware (UTC) datetime")
        return moment.timestamp()
    return float(moment)
