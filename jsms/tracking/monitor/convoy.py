"""The convoy as a whole: an unplanned stop (every device of the main role standing still,
away from the ends and the planned stops) and a convoy split (an escort vehicle too far from
the protected persons for too long). Both judged by the devices' own fix times."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from jsms.alerts.findings import Finding
from jsms.tracking.monitor.episodes import duration_text
from jsms.tracking.monitor.plan import ESCORT, PROTECTEE
from jsms.tracking.monitor.track import Track

if TYPE_CHECKING:
    from jsms.tracking.monitor.watch import MovementWatch

__all__ = ["split", "unplanned_stop"]


def unplanned_stop(watch: MovementWatch, at: datetime) -> Finding | None:
    """One stop for the movement: every fresh device of the main role standing still."""
    oldest = at - watch.t.stale_fix  # Track.fresh, inline: this runs for every position
    fresh = [
        t
        for t in watch.tracks.values()
        if t.role == watch.primary and t.fixed_at is not None and t.fixed_at >= oldest
    ]
    if not fresh or any(t.still_since is None for t in fresh):
        watch.stopped_since, watch.stop_reported = None, False
        return None
    if watch.stop_reported:
        return None
    lead = max(fresh, key=lambda t: t.still_since or at)
    watch.stopped_since = lead.still_since
    assert watch.stopped_since is not None
    if watch.near_planned_halt(lead.still_x, lead.still_y):
        return None
    if at - watch.stopped_since < watch.t.stop:
        return None
    watch.stop_reported = True
    return watch.finding(
        "unplanned_stop",
        lead.device_id,
        watch.stopped_since,
        at,
        f"standing still for {duration_text(at - watch.stopped_since)}",
        track=lead,
        stop_minutes=watch.t.stop_minutes,
    )


def split(watch: MovementWatch, moved: Track, at: datetime) -> list[Finding | None]:
    escorts = [t for t in watch.tracks.values() if t.role == ESCORT and t.fixed_at]
    protectees = [t for t in watch.tracks.values() if t.role == PROTECTEE and t.fixed_at]
    if not protectees or not escorts:
        return []
    if moved.role == ESCORT:
        escorts = [moved]
    found: list[Finding | None] = []
    for escort in escorts:
        assert escort.fixed_at is not None
        near = [
            p
            for p in protectees
            if p.fixed_at and abs(p.fixed_at - escort.fixed_at) <= watch.t.convoy_pair_max_age
        ]
        if not near:
            continue
        gap = min(float(np.hypot(escort.x - p.x, escort.y - p.y)) for p in near)
        start = escort.split.update(gap > watch.t.convoy_split_m, at, watch.t.convoy_split_dwell)
        if start is not None:
            found.append(
                watch.finding(
                    "convoy_split",
                    escort.device_id,
                    start,
                    at,
                    f"escort device {escort.device_id} {gap:.0f} m from the protectees",
                    track=escort,
                    gap_m=round(gap),
                    split_m=watch.t.convoy_split_m,
                )
            )
    return found
