"""Risk surface and threat levels: incidents scored on the H3 grid.

Pure code: no database, no HTTP and no clock. Every time is passed in as epoch seconds (UTC),
so "what was the level here at time T" is simply :func:`build_surface` with ``at=T``.

The pipeline::

    write time   incident -> severity(...) and its resolution-7 H3 cell (int64 on the row)
    rebuild      build_surface(cells, occurred, severities, at=T) -> RiskSurface
    read         surface.score_point / level_point / score_line / to_geojson,
                 level_for, area_level, apply_overrides

Cells are H3 indexes as integers (``uint64`` in arrays; the database stores them as signed
``BIGINT``, which is the same bits because bit 63 of an H3 index is always 0). Converting a
point to a cell costs about half a microsecond in h3 4.x, one point per call, so it happens once
when an incident is written; the rebuild only aggregates integer arrays with NumPy.

Score
    A cell's raw score is ``sum(severity * decay(age))`` over the incidents in it that happened
    at or before ``at``. Smoothing then lets each cell keep ``1 - smoothing`` of its score and pass
    ``smoothing / 6`` to each of its six neighbours, so the total is conserved and an incident
    also marks the ~1.5 km around its cell. Units are "severity points": one fresh armed assault
    without casualties is 2.5, a fresh suicide bombing with 10 killed and 20 injured about 8.9.
Levels
    Fixed thresholds on the score (:data:`LEVEL_THRESHOLDS`, calibrated on real data, see
    :func:`level_for`) give levels 1..6 named in :data:`THREAT_LEVELS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from typing import Any

import numpy as np
from h3.api import basic_int as _h3i

__all__ = [
    "ATTACK_TYPE_ALIASES",
    "ATTACK_TYPE_WEIGHTS",
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_SMOOTHING",
    "INDEX_RESOLUTION",
    "LEVEL_THRESHOLDS",
    "PAKISTAN_BBOX",
    "REGION_RESOLUTION",
    "THREAT_LEVELS",
    "LineScore",
    "Override",
    "RiskSurface",
    "apply_overrides",
    "area_level",
    "build_surface",
    "canonical_attack_type",
    "decay",
    "level_for",
    "level_name",
    "severity",
    "synthetic_events",
    "to_epoch",
]

INDEX_RESOLUTION = 7
"""Resolution of the cells incidents are indexed and scored at (~5.2 km2, edge ~1.2 km)."""
REGION_RESOLUTION = 5
"""Resolution of the region cells the surface is aggregated to (~250 km2)."""

THREAT_LEVELS = ("Minimal", "Low", "Moderate", "Substantial", "High", "Extreme")
"""Names of threat levels 1..6 (``THREAT_LEVELS[level - 1]``)."""

LEVEL_THRESHOLDS: tuple[float, ...] = (0.25, 1.0, 3.0, 8.0, 20.0)
"""Lowest score of levels 2..6; a score below 0.25 is level 1. See :func:`level_for`."""

DEFAULT_HALF_LIFE_DAYS = 180.0
DEFAULT_SMOOTHING = 0.3

PAKISTAN_BBOX = (24.0, 61.0, 37.0, 77.0)
"""(lat_min, lon_min, lat_max, lon_max) of the synthetic-event area."""

_SECONDS_PER_DAY = 86_400.0
_EARTH_RADIUS_KM = 6371.0088

# --------------------------------------------------------------------------------------------
# Severity
# --------------------------------------------------------------------------------------------

ATTACK_TYPE_WEIGHTS: dict[str, float] = {
    "vbied": 5.0,
    "suicide_attack": 5.0,
    "complex": 4.5,
    "hostage": 3.5,
    "kidnapping": 3.0,
    "ied": 3.0,
    "bombing": 3.0,
    "armed_assault": 2.5,
    "targeted_killing": 2.5,
    "rocket_grenade": 2.0,
    "indirect_fire": 2.0,
    "grenade": 2.0,
    "armed_clash": 2.0,
    "roadblock": 1.5,
    "sabotage": 1.5,
    "other": 1.5,
    "unknown": 1.5,
    "arson": 1.0,
    "unarmed_assault": 1.0,
    "riot": 0.7,
    "threat": 0.5,
    "protest": 0.3,
}
"""Base severity by canonical attack type, before casualties.

The keys include the incident vocabulary of :mod:`jsms.threat.importers` (``ied``, ``vbied``,
``suicide_attack``, ``armed_assault``, ``kidnapping``, ``rocket_grenade``, ``threat``,
``protest``, ``roadblock``, ``other``) plus finer types other sources use. Mass-casualty
methods that defeat protective measures (vehicle-borne IEDs, suicide attackers, complex attacks)
weigh most; kidnapping and hostage taking weigh more than an ordinary shooting because abduction
is the characteristic threat to foreign workers; protests and threats weigh least; an illegal
roadblock weighs like sabotage because it is where travellers are stopped and taken. Types not
listed count as ``"unknown"`` (1.5, like ``"other"``).
"""

ATTACK_TYPE_ALIASES: dict[str, str] = {
    # GTD attacktype1_txt
    "bombing_explosion": "bombing",
    "assassination": "targeted_killing",
    "hostage_taking_kidnapping": "kidnapping",
    "hostage_taking_barricade_incident": "hostage",
    "facility_infrastructure_attack": "sabotage",
    # ACLED sub_event_type
    "remote_explosive_landmine_ied": "ied",
    "suicide_bomb": "suicide_attack",
    "shelling_artillery_missile_attack": "indirect_fire",
    "air_drone_strike": "indirect_fire",
    "attack": "armed_assault",
    "abduction_forced_disappearance": "kidnapping",
    "peaceful_protest": "protest",
    "protest_with_intervention": "protest",
    "excessive_force_against_protesters": "protest",
    "violent_demonstration": "riot",
    "mob_violence": "riot",
    "government_regains_territory": "armed_clash",
    "non_state_actor_overtakes_territory": "armed_clash",
    # common spellings
    "svbied": "vbied",
    "car_bomb": "vbied",
    "vehicle_borne_ied": "vbied",
    "suicide": "suicide_attack",
    "suicide_bombing": "suicide_attack",
    "complex_attack": "complex",
    "explosion": "bombing",
    "landmine": "ied",
    "rocket": "indirect_fire",
    "mortar": "indirect_fire",
    "shooting": "armed_assault",
    "ambush": "armed_assault",
    "assault": "armed_assault",
    "murder": "targeted_killing",
    "abduction": "kidnapping",
    "barricade": "hostage",
    "clash": "armed_clash",
    "checkpoint": "roadblock",
    "illegal_checkpoint": "roadblock",
    "battle": "armed_clash",
    "demonstration": "protest",
    "strike": "protest",
    "threat_letter": "threat",
    "warning": "threat",
}
"""Normalised spellings (GTD, ACLED, free text) mapped to keys of :data:`ATTACK_TYPE_WEIGHTS`."""

KILLED_WEIGHT = 1.0
INJURED_WEIGHT = 0.5
FOREIGN_MULTIPLIER = 2.0
FOREIGN_WEIGHT = 1.0

_NON_WORD = re.compile(r"[^a-z0-9]+")


def canonical_attack_type(attack_type: str | None) -> str:
    """The key of :data:`ATTACK_TYPE_WEIGHTS` for an attack type as any source spells it.

    Lower-cases, joins words with ``_`` and applies :data:`ATTACK_TYPE_ALIASES`; anything not
    recognised is ``"unknown"``.

    Examples
    --------
    >>> canonical_attack_type("Bombing/Explosion")
    'bombing'
    >>> canonical_attack_type("Remote explosive/landmine/IED")
    'ied'
    >>> canonical_attack_type(None)
    'unknown'
    """
    if not attack_type:
        return "unknown"
    key = _NON_WORD.sub("_", attack_type.strip().lower()).strip("_")
    key = ATTACK_TYPE_ALIASES.get(key, key)
    return key if key in ATTACK_TYPE_WEIGHTS else "unknown"


def _count(value: int | float | None, what: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value}")
    return float(value)


def severity(
    attack_type: str | None,
    killed: int | None,
    injured: int | None,
    foreign_victims: int = 0,
) -> float:
    """Severity of one incident, computed once when it is written.

    ``severity = (base + 1.0 * ln(1 + killed) + 0.5 * ln(1 + injured)) * m + 1.0 * ln(1 + f)``

    where ``base`` is :data:`ATTACK_TYPE_WEIGHTS` of the (canonicalised) attack type, ``f`` is
    ``foreign_victims`` and ``m`` is 2 when ``f > 0``, else 1. Casualties count on a log scale so
    that one massacre does not outweigh a campaign of attacks; the first casualty adds 0.69
    (killed) or 0.35 (injured), the tenth much less. Incidents touching foreign nationals count
    double (plus a log term for their number) because protecting foreign workers is what JSMS
    is for, and such attacks signal intent and capability against them. Unknown counts (None or
    NaN) are taken as 0.

    Parameters
    ----------
    attack_type : str or None
        Any spelling :func:`canonical_attack_type` understands ("vbied", "Bombing/Explosion"...).
    killed, injured : int or None
        Casualties, attackers excluded.
    foreign_victims : int, default 0
        Foreign nationals among the victims or the evident targets (killed, injured, abducted or
        targeted); 1 for an attack aimed at foreigners even if nobody was hurt.

    Returns
    -------
    float
        A positive severity, roughly 0.3 (a protest) to 15 (a mass-casualty VBIED on foreigners).

    Examples
    --------
    >>> severity("armed_assault", 0, 0)
    2.5
    >>> round(severity("suicide_attack", 10, 20), 2)
    8.92
    >>> severity("vbied", 1, 0) > severity("protest", 1, 0)
    True
    >>> severity("armed_assault", 1, 0, foreign_victims=1) > 2 * severity("armed_assault", 1, 0)
    True
    """
    base = ATTACK_TYPE_WEIGHTS[canonical_attack_type(attack_type)]
    k = _count(killed, "killed")
    i = _count(injured, "injured")
    f = _count(foreign_victims, "foreign_victims")
    local = base + KILLED_WEIGHT * math.log1p(k) + INJURED_WEIGHT * math.log1p(i)
    if f > 0:
        return local * FOREIGN_MULTIPLIER + FOREIGN_WEIGHT * math.log1p(f)
    return local


def _severities(
    base: np.ndarray, killed: np.ndarray, injured: np.ndarray, foreign: np.ndarray
) -> np.ndarray:
    """Vectorised :func:`severity` over arrays of base weights and non-negative counts."""
    local = base + KILLED_WEIGHT * np.log1p(killed) + INJURED_WEIGHT * np.log1p(injured)
    return np.where(
        foreign > 0, local * FOREIGN_MULTIPLIER + FOREIGN_WEIGHT * np.log1p(foreign), local
    )


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


# --------------------------------------------------------------------------------------------
# Levels
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Analyst overrides
# --------------------------------------------------------------------------------------------


def _cell_int(cell: int | str | np.integer) -> int:
    if isinstance(cell, str):
        return _h3i.str_to_int(cell)
    return int(cell)


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
        cells = frozenset(_cell_int(c) for c in self.cells)
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
        c = _cell_int(cell)
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


# --------------------------------------------------------------------------------------------
# H3 bit arithmetic, vectorised
# --------------------------------------------------------------------------------------------

_U = np.uint64
_RES_SHIFT = _U(52)
_RES_MASK = _U(0xF << 52)
_MODE_SHIFT = _U(59)
_BASE_SHIFT = _U(45)


def _resolutions_of(cells: np.ndarray) -> np.ndarray:
    return ((cells >> _RES_SHIFT) & _U(0xF)).astype(np.int8)


def _parents(cells: np.ndarray, res: int) -> np.ndarray:
    """Parents at ``res`` of cells at any finer resolution (digits below ``res`` become 7)."""
    unused = _U((1 << ((15 - res) * 3)) - 1)
    return (cells & ~_RES_MASK) | _U(res << 52) | unused


@cache
def _digit_tables() -> tuple[np.ndarray, np.ndarray, frozenset[int]]:
    """How one step in each direction changes an H3 digit, derived from h3 itself.

    ``new[p, d, k]`` is the digit after moving in direction ``k`` from a cell whose digit is
    ``d`` at a resolution of parity ``p``, and ``carry[p, d, k]`` the direction the parent then
    has to move in (0: none). Directions are the H3 ones (1 K, 2 J, 3 JK, 4 I, 5 IK, 6 IJ); a
    direction is recognised by its step in local IJ coordinates. Probing 84 cells in the middle
    of a hexagonal base cell keeps this free of copied tables and checkable against h3.
    """
    unit_ij = {1: (-1, -1), 2: (0, 1), 3: (-1, 0), 4: (1, 0), 5: (0, -1), 6: (1, 1)}
    direction = {v: k for k, v in unit_ij.items()}
    new = np.zeros((2, 7, 7), dtype=np.uint64)
    carry = np.zeros((2, 7, 7), dtype=np.uint8)
    base = _h3i.cell_to_parent(_h3i.latlng_to_cell(30.0, 70.0, 1), 0)
    for res in (3, 4):
        shift = (15 - res) * 3
        centre = _h3i.cell_to_center_child(base, res)
        for digit in range(7):
            cell = (centre & ~(7 << shift)) | (digit << shift)
            parent = _h3i.cell_to_parent(cell, res - 1)
            ci, cj = _h3i.cell_to_local_ij(cell, cell)
            pi, pj = _h3i.cell_to_local_ij(parent, parent)
            by_step = {}
            for n in _h3i.grid_ring(cell, 1):
                ni, nj = _h3i.cell_to_local_ij(cell, n)
                by_step[direction[(ni - ci, nj - cj)]] = n
            new[res % 2, digit, 0] = digit
            for k in range(1, 7):
                n = by_step[k]
                new[res % 2, digit, k] = (n >> shift) & 7
                n_parent = _h3i.cell_to_parent(n, res - 1)
                if n_parent != parent:
                    qi, qj = _h3i.cell_to_local_ij(parent, n_parent)
                    carry[res % 2, digit, k] = direction[(qi - pi, qj - pj)]
    pentagon_bases = frozenset(int(p >> 45) & 0x7F for p in _h3i.get_pentagons(0))
    return new, carry, pentagon_bases


def _neighbours(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The k=1 ring of each cell (all of one resolution): (n, 6) uint64 (0 pads pentagons), counts.

    Digits are stepped with NumPy; the ~1 % of cells whose neighbours lie in another base cell,
    and cells of the 12 pentagon base cells, are handed to h3 one by one.
    """
    new, carry, pentagon_bases = _digit_tables()
    n = cells.size
    out = np.repeat(cells, 6)
    step = np.tile(np.arange(1, 7, dtype=np.uint8), n)
    todo = np.arange(out.size)
    res = int(_resolutions_of(cells[:1])[0]) if n else 0
    for r in range(res, 0, -1):
        if todo.size == 0:
            break
        shift = _U((15 - r) * 3)
        cur, k = out[todo], step[todo]
        digit = ((cur >> shift) & _U(7)).astype(np.intp)
        out[todo] = (cur & ~(_U(7) << shift)) | (new[r % 2][digit, k] << shift)
        k = carry[r % 2][digit, k]
        moving = k != 0
        step[todo] = k
        todo = todo[moving]
    table = out.reshape(n, 6)
    counts = np.full(n, 6, dtype=np.int8)
    slow = np.zeros(n, dtype=bool)
    slow[todo // 6] = True
    bases = ((cells >> _BASE_SHIFT) & _U(0x7F)).astype(np.int16)
    slow |= np.isin(bases, np.fromiter(pentagon_bases, dtype=np.int16))
    for i in np.flatnonzero(slow).tolist():
        ring = _h3i.grid_ring(int(cells[i]), 1)
        table[i, :] = 0
        table[i, : len(ring)] = ring
        counts[i] = len(ring)
    return table, counts


def _as_cells(cells: np.ndarray | Sequence[int]) -> np.ndarray:
    """uint64 view of H3 cell integers (int64 from the database is the same bits)."""
    arr = np.asarray(cells)
    if arr.dtype == np.uint64:
        return arr
    if arr.dtype == np.int64:
        return arr.view(np.uint64)
    if arr.dtype.kind in "iu" or arr.size == 0:
        return arr.astype(np.uint64)
    if arr.dtype.kind in "OU":
        return np.array([_cell_int(c) for c in arr.ravel()], dtype=np.uint64)
    raise TypeError(f"cells must be H3 integers, got dtype {arr.dtype}")


# --------------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------------


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _check_latlon(lat: float, lon: float) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"coordinates out of range: lat={lat}, lon={lon}")


@dataclass(frozen=True)
class LineScore:
    """Risk along a route, from :meth:`RiskSurface.score_line`.

    Attributes
    ----------
    length_km : float
        Great-circle length of the line.
    samples : int
        Points looked up (one per step, plus both ends).
    exposure : float
        Sum of score x step length (score-km): grows with both the danger and the distance
        spent in it, so a detour around a hot spot scores lower even if it is longer.
    max_score, max_level : float, int
        Worst point along the line.
    cells : tuple of int
        Resolution-7 cells sampled, in the order travelled, each once.
    """

    length_km: float
    samples: int
    exposure: float
    max_score: float
    max_level: int
    cells: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class RiskSurface:
    """Scores of resolution-7 cells and their resolution-5 regions at one moment.

    Built by :func:`build_surface`; only cells with a positive score are stored, every other
    cell scores 0 (level 1). Arrays are sorted by cell so lookups are binary searches; single
    points go through a dict built on first use.

    Attributes
    ----------
    at : float
        Epoch seconds the surface describes.
    cells7, scores7 : numpy.ndarray
        Sorted uint64 resolution-7 cells and their smoothed scores.
    cells5, scores5 : numpy.ndarray
        Sorted uint64 resolution-5 cells and the MAX score of their resolution-7 cells (max,
        not sum, so the same thresholds apply at both resolutions and a region is as dangerous
        as the worst place in it, which is what matters to someone who may have to go there; a
        sum would grow with the number of incidents in the ~250 km2 and need its own scale).
    half_life_days, smoothing : float
        Parameters it was built with.
    n_events : int
        Incidents that contributed (those at or before ``at``).

    Examples
    --------
    >>> import h3
    >>> quetta = h3.str_to_int(h3.latlng_to_cell(30.19, 67.01, 7))
    >>> s = build_surface([quetta], [0.0], [10.0], at=0.0)
    >>> s.score_point(30.19, 67.01), s.level_point(30.19, 67.01)
    (7.0, 4)
    """

    at: float
    cells7: np.ndarray
    scores7: np.ndarray
    cells5: np.ndarray
    scores5: np.ndarray
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    smoothing: float = DEFAULT_SMOOTHING
    n_events: int = 0

    @cached_property
    def _index7(self) -> dict[int, float]:
        return dict(zip(self.cells7.tolist(), self.scores7.tolist(), strict=True))

    @cached_property
    def _index5(self) -> dict[int, float]:
        return dict(zip(self.cells5.tolist(), self.scores5.tolist(), strict=True))

    def score_cell(self, cell: int | str) -> float:
        """Score of a resolution-7 or resolution-5 cell (finer cells: their res-7 parent)."""
        c = _cell_int(cell)
        res = _h3i.get_resolution(c)
        if res == REGION_RESOLUTION:
            return self._index5.get(c, 0.0)
        if res > INDEX_RESOLUTION:
            c = _h3i.cell_to_parent(c, INDEX_RESOLUTION)
        elif res != INDEX_RESOLUTION:
            raise ValueError(f"cells of resolution {res} are not scored (use 5 or >= 7)")
        return self._index7.get(c, 0.0)

    def level_cell(self, cell: int | str) -> int:
        """Computed level of a cell (see :meth:`score_cell`), before overrides."""
        return int(level_for(self.score_cell(cell)))

    def score_point(self, lat: float, lon: float) -> float:
        """Score of the resolution-7 cell containing (lat, lon); about a microsecond."""
        _check_latlon(lat, lon)
        return self._index7.get(_h3i.latlng_to_cell(lat, lon, INDEX_RESOLUTION), 0.0)

    def level_point(
        self,
        lat: float,
        lon: float,
        overrides: Iterable[Override] = (),
        at: float | datetime | None = None,
    ) -> int:
        """Level at (lat, lon), after any override in force at ``at`` (default: the surface's).

        Examples
        --------
        >>> import h3
        >>> s = build_surface([], [], [], at=0.0)
        >>> s.level_point(30.19, 67.01)
        1
        >>> o = Override(cells=[h3.latlng_to_cell(30.19, 67.01, 5)], level=5, reason="warning",
        ...              expires_at=3600.0)
        >>> s.level_point(30.19, 67.01, [o])
        5
        """
        _check_latlon(lat, lon)
        cell = _h3i.latlng_to_cell(lat, lon, INDEX_RESOLUTION)
        level = int(level_for(self._index7.get(cell, 0.0)))
        if not overrides:
            return level
        return apply_overrides(level, overrides, self.at if at is None else at, cell=cell)

    def scores_for(self, cells: np.ndarray | Sequence[int]) -> np.ndarray:
        """Scores of many resolution-7 cells at once (0 where none), by binary search."""
        c = _as_cells(cells)
        if self.cells7.size == 0:
            return np.zeros(c.shape, dtype=np.float64)
        i = np.searchsorted(self.cells7, c)
        i = np.minimum(i, self.cells7.size - 1)
        return np.where(self.cells7[i] == c, self.scores7[i], 0.0)

    def area_level(self, cells: np.ndarray | Sequence[int], *, support: int = 1) -> int:
        """Level of a district or province given all its resolution-7 cells (:func:`area_level`)."""
        return area_level(self.scores_for(cells), support=support)

    def score_line(
        self, coords: Sequence[tuple[float, float]] | np.ndarray, step_km: float = 1.0
    ) -> LineScore:
        """Score a route given as (lat, lon) vertices, sampled every ``step_km``.

        The line is cut into ``ceil(length / step_km)`` equal pieces (each at most ``step_km``)
        and the cell under the middle of each piece is looked up; exposure is the sum of score x
        piece length. The two ends are looked up too, for the maximum and the cells. Pieces are
        interpolated linearly in lat/lon between vertices, which is what routes drawn on a map
        mean. With the default 1 km step (below the 1.2 km edge of a resolution-7 cell) a cell
        is missed only where the line clips its corner.

        Parameters
        ----------
        coords : sequence of (lat, lon) or array of shape (n, 2)
            Route vertices; a single vertex is scored as a point of length 0.
        step_km : float, default 1.0
            Sampling distance.

        Returns
        -------
        LineScore

        Examples
        --------
        >>> import h3
        >>> quetta = h3.str_to_int(h3.latlng_to_cell(30.19, 67.01, 7))
        >>> s = build_surface([quetta], [0.0], [10.0], at=0.0)
        >>> r = s.score_line([(30.0, 67.01), (30.4, 67.01)])
        >>> r.max_level, round(r.length_km), r.exposure > 0
        (4, 44, True)
        """
        if not step_km > 0:
            raise ValueError("step_km must be > 0")
        pts = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        if pts.shape[0] == 0:
            raise ValueError("a line needs at least one point")
        lat, lon = pts[:, 0], pts[:, 1]
        if not (
            np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 180.0) and np.isfinite(pts).all()
        ):
            raise ValueError("coordinates out of range (expected (lat, lon) pairs)")
        seg = _haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
        length = float(seg.sum())
        if length > 0:
            pieces = max(1, math.ceil(length / step_km - 1e-9))
            piece = length / pieces
            along = np.concatenate(([0.0], (np.arange(pieces) + 0.5) * piece, [length]))
            cum = np.concatenate(([0.0], np.cumsum(seg)))
            j = np.clip(np.searchsorted(cum, along, side="right") - 1, 0, seg.size - 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(seg[j] > 0, (along - cum[j]) / seg[j], 0.0)
            t = np.clip(t, 0.0, 1.0)
            s_lat = lat[j] + t * (lat[j + 1] - lat[j])
            s_lon = lon[j] + t * (lon[j + 1] - lon[j])
        else:
            piece, s_lat, s_lon = 0.0, lat[:1], lon[:1]
        to_cell = _h3i.latlng_to_cell
        cells = [
            to_cell(a, b, INDEX_RESOLUTION)
            for a, b in zip(s_lat.tolist(), s_lon.tolist(), strict=True)
        ]
        scores = self.scores_for(np.array(cells, dtype=np.uint64))
        exposure = float(scores[1:-1].sum() * piece) if length > 0 else 0.0
        max_score = float(scores.max())
        return LineScore(
            length_km=length,
            samples=len(cells),
            exposure=exposure,
            max_score=max_score,
            max_level=int(level_for(max_score)),
            cells=tuple(dict.fromkeys(cells)),
        )

    def to_geojson(self, resolution: int = REGION_RESOLUTION, min_level: int = 2) -> dict:
        """Cells at ``min_level`` or above as a GeoJSON FeatureCollection for the map.

        Each feature is the cell's hexagon (closed ring, [lon, lat] order as RFC 7946 says) with
        properties ``cell`` (hex string), ``resolution``, ``score``, ``level`` and ``name``.

        Examples
        --------
        >>> import h3
        >>> quetta = h3.str_to_int(h3.latlng_to_cell(30.19, 67.01, 7))
        >>> fc = build_surface([quetta], [0.0], [10.0], at=0.0).to_geojson(7, min_level=2)
        >>> len(fc["features"]), sorted(f["properties"]["level"] for f in fc["features"])
        (7, [2, 2, 2, 2, 2, 2, 4])
        """
        if resolution == INDEX_RESOLUTION:
            cells, scores = self.cells7, self.scores7
        elif resolution == REGION_RESOLUTION:
            cells, scores = self.cells5, self.scores5
        else:
            raise ValueError(f"resolution must be {REGION_RESOLUTION} or {INDEX_RESOLUTION}")
        levels = level_for(scores)
        keep = np.flatnonzero(levels >= min_level)
        features = []
        for i in keep.tolist():
            cell = int(cells[i])
            ring = [[lng, lat] for lat, lng in _h3i.cell_to_boundary(cell)]
            ring.append(ring[0])
            level = int(levels[i])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": {
                        "cell": _h3i.int_to_str(cell),
                        "resolution": resolution,
                        "score": round(float(scores[i]), 3),
                        "level": level,
                        "name": THREAT_LEVELS[level - 1],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}


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
    c = _as_cells(cells).ravel()
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
        if not (((c >> _MODE_SHIFT) & _U(0xF)) == _U(1)).all():
            raise ValueError("cells must be H3 cell indexes")
        res = _resolutions_of(c)
        if (res != INDEX_RESOLUTION).any():
            if (res < INDEX_RESOLUTION).any():
                raise ValueError(f"cells must be resolution {INDEX_RESOLUTION} or finer")
            c = _parents(c, INDEX_RESOLUTION)
    weights = sev * np.exp2((occ - t) / (half_life_days * _SECONDS_PER_DAY))  # decay(), inlined

    cells7, inverse = np.unique(c, return_inverse=True)
    scores7 = np.bincount(inverse, weights=weights, minlength=cells7.size)
    positive = scores7 > 0
    cells7, scores7 = cells7[positive], scores7[positive]

    if smoothing > 0 and cells7.size:
        ring, counts = _neighbours(cells7)
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

    parents = _parents(cells7, REGION_RESOLUTION)  # sorted, since children sort by parent
    starts = np.flatnonzero(np.concatenate(([True], parents[1:] != parents[:-1])))
    if cells7.size == 0:
        starts = starts[:0]
    cells5 = parents[starts]
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


# --------------------------------------------------------------------------------------------
# Synthetic events
# --------------------------------------------------------------------------------------------

_SYNTHETIC_TYPES = {
    "bombing": 0.26,
    "armed_assault": 0.24,
    "targeted_killing": 0.10,
    "ied": 0.10,
    "kidnapping": 0.05,
    "grenade": 0.05,
    "indirect_fire": 0.04,
    "suicide_attack": 0.03,
    "vbied": 0.01,
    "protest": 0.08,
    "threat": 0.04,
}
_SYNTHETIC_END = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def synthetic_events(
    n: int,
    seed: int = 0,
    *,
    clusters: int = 2_000,
    spread: int = 6,
    years: float = 10.0,
    end: float = _SYNTHETIC_END,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Realistic-looking clustered incidents over Pakistan's bounding box, for tests and benchmarks.

    ``clusters`` centres are drawn over :data:`PAKISTAN_BBOX`, 60 % of them in the western belt
    (lon < 72, lat < 35.5: Balochistan, Khyber Pakhtunkhwa, former FATA). Cluster activity
    follows a Zipf law (a few "cities" get most incidents). Each incident lands in a cell of its
    cluster's k-ring, ``spread`` rings at most (~8 km), the ring drawn from a per-cluster
    geometric law, so cells are SAMPLED among precomputed cells: only ``clusters`` points are
    converted by h3 (production converts each incident when it is written). Times are uniform
    over the ``years`` before ``end``; attack types, casualties (negative binomial, heavy
    tailed) and 0.5 % foreign victims give severities via the :func:`severity` formula.

    Returns
    -------
    cells : numpy.ndarray of uint64
        Resolution-7 cell per incident.
    occurred : numpy.ndarray of float64
        Epoch seconds.
    severities : numpy.ndarray of float64

    Examples
    --------
    >>> cells, occurred, sev = synthetic_events(1000, seed=1)
    >>> cells.dtype, occurred.shape, bool((sev > 0).all())
    (dtype('uint64'), (1000,), True)
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    lat_min, lon_min, lat_max, lon_max = PAKISTAN_BBOX
    disk_size = 1 + 3 * spread * (spread + 1)
    table = np.empty((clusters, disk_size), dtype=np.uint64)
    filled = 0
    while filled < clusters:
        west = rng.random() < 0.6
        lat = rng.uniform(lat_min, 35.5 if west else lat_max)
        lon = rng.uniform(lon_min, 72.0 if west else lon_max)
        centre = _h3i.latlng_to_cell(lat, lon, INDEX_RESOLUTION)
        rings = [[centre]]
        try:
            rings += [_h3i.grid_ring(centre, k) for k in range(1, spread + 1)]
        except Exception:  # pragma: no cover - a pentagon nearby; none in Pakistan
            continue
        row = [c for ring in rings for c in ring]
        if len(row) != disk_size:  # pragma: no cover - pentagon distortion
            continue
        table[filled] = row
        filled += 1

    weights = 1.0 / np.arange(1, clusters + 1) ** 1.1
    cluster = rng.choice(clusters, size=n, p=weights / weights.sum())
    tightness = rng.uniform(0.35, 0.8, size=clusters)[cluster]
    ring = np.floor(np.log1p(-rng.random(n)) / np.log1p(-tightness)).astype(np.int64)
    ring = np.minimum(ring, spread)
    ring_start = np.where(ring == 0, 0, 1 + 3 * ring * (ring - 1))
    position = ring_start + (rng.random(n) * np.maximum(6 * ring, 1)).astype(np.int64)
    cells = table[cluster, position]

    occurred = end - rng.random(n) * years * 365.25 * _SECONDS_PER_DAY
    names = list(_SYNTHETIC_TYPES)
    probs = np.array(list(_SYNTHETIC_TYPES.values()))
    kinds = rng.choice(len(names), size=n, p=probs / probs.sum())
    base = np.array([ATTACK_TYPE_WEIGHTS[k] for k in names])[kinds]
    killed = rng.negative_binomial(0.5, 0.4, size=n)
    injured = rng.negative_binomial(0.5, 0.25, size=n)
    foreign = np.where(rng.random(n) < 0.005, rng.integers(1, 4, size=n), 0)
    return cells, occurred, _severities(base, killed, injured, foreign)
