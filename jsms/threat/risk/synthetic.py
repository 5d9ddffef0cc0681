"""Synthetic clustered incidents over Pakistan, for tests and benchmarks (no real data needed)."""

from __future__ import annotations

import numpy as np
from h3.api import basic_int as _h3i

from jsms.threat.risk.cells import INDEX_RESOLUTION
from jsms.threat.risk.recency import SECONDS_PER_DAY
from jsms.threat.risk.severities import ATTACK_TYPE_WEIGHTS, severity_array

__all__ = ["PAKISTAN_BBOX", "SYNTHETIC_END", "synthetic_events"]

PAKISTAN_BBOX = (24.0, 61.0, 37.0, 77.0)
"""(lat_min, lon_min, lat_max, lon_max) of the synthetic-event area."""

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
SYNTHETIC_END = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def synthetic_events(
    n: int,
    seed: int = 0,
    *,
    clusters: int = 2_000,
    spread: int = 6,
    years: float = 10.0,
    end: float = SYNTHETIC_END,
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

    occurred = end - rng.random(n) * years * 365.25 * SECONDS_PER_DAY
    names = list(_SYNTHETIC_TYPES)
    probs = np.array(list(_SYNTHETIC_TYPES.values()))
    kinds = rng.choice(len(names), size=n, p=probs / probs.sum())
    base = np.array([ATTACK_TYPE_WEIGHTS[k] for k in names])[kinds]
    killed = rng.negative_binomial(0.5, 0.4, size=n)
    injured = rng.negative_binomial(0.5, 0.25, size=n)
    foreign = np.where(rng.random(n) < 0.005, rng.integers(1, 4, size=n), 0)
    return cells, occurred, severity_array(base, killed, injured, foreign)
