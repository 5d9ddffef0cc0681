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

from jsms.threat.risk.build import build_surface
from jsms.threat.risk.cells import INDEX_RESOLUTION, REGION_RESOLUTION
from jsms.threat.risk.levels import (
    LEVEL_THRESHOLDS,
    THREAT_LEVELS,
    area_level,
    level_for,
    level_name,
)
from jsms.threat.risk.overrides import Override, apply_overrides
from jsms.threat.risk.recency import DEFAULT_HALF_LIFE_DAYS, decay, to_epoch
from jsms.threat.risk.scores import DEFAULT_SMOOTHING, LineScore, RiskSurface
from jsms.threat.risk.severities import (
    ATTACK_TYPE_ALIASES,
    ATTACK_TYPE_WEIGHTS,
    canonical_attack_type,
    severity,
)
from jsms.threat.risk.synthetic import PAKISTAN_BBOX, synthetic_events

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
