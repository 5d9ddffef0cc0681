"""The movement monitor's pure core: for every movement in progress, its plan and a stream
of stored positions and clock ticks in, :class:`~jsms.alerts.findings.Finding` out. No
database, no HTTP, no clock of its own: :mod:`jsms.tracking.live` runs it against the
database and the position bus.

Start with :class:`Monitor` (:mod:`.monitor`); one movement is a :class:`MovementWatch`
(:mod:`.watch`) built from a :class:`WatchPlan` (:mod:`.plan`); :mod:`.thresholds` holds the
numbers, :mod:`.route` the metric geometry, :mod:`.episodes` the dwell and the episode keys,
:mod:`.track` one device's state, :mod:`.convoy` the unplanned stop and the convoy split,
:mod:`.clock` the checks the passing of time drives (late departure, stale fix, overdue
check-in) and :mod:`.progress` the ETA.
"""

from jsms.tracking.monitor.episodes import Episode, Excursion, episode_key
from jsms.tracking.monitor.monitor import Monitor
from jsms.tracking.monitor.plan import (
    ESCORT,
    PROTECTEE,
    CheckInSchedule,
    IncidentReport,
    NoGoZone,
    PlannedStop,
    WatchPlan,
)
from jsms.tracking.monitor.progress import Progress
from jsms.tracking.monitor.route import RouteLine
from jsms.tracking.monitor.thresholds import Thresholds
from jsms.tracking.monitor.watch import MovementWatch

__all__ = [
    "ESCORT",
    "PROTECTEE",
    "CheckInSchedule",
    "Episode",
    "Excursion",
    "IncidentReport",
    "Monitor",
    "MovementWatch",
    "NoGoZone",
    "PlannedStop",
    "Progress",
    "RouteLine",
    "Thresholds",
    "WatchPlan",
    "episode_key",
]
