"""One movement under watch: positions and clock ticks in, findings out.

Position-driven checks (corridor, no-go zones, unplanned stop, convoy split, SOS) judge by the
device's own fix times, so replaying the same positions after a crash reaches the same
episodes with the same keys. Clock-driven checks (late departure, overdue check-in, stale fix,
and a dwell that completes while the device is silent) judge by the tick's time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from shapely.geometry import mapping

from jsms.alerts.findings import KINDS, Finding
from jsms.tracking.fixes import StoredPosition
from jsms.tracking.monitor import clock, convoy
from jsms.tracking.monitor.episodes import Excursion, duration_text, episode_key
from jsms.tracking.monitor.plan import ESCORT, PROTECTEE, IncidentReport, WatchPlan
from jsms.tracking.monitor.progress import Progress, estimate
from jsms.tracking.monitor.route import Located, RouteLine, locate_on
from jsms.tracking.monitor.thresholds import Thresholds
from jsms.tracking.monitor.track import Track

__all__ = ["MovementWatch"]

SEVERITY = {
    "deviation": "warning",
    "unplanned_stop": "warning",
    "late_departure": "warning",
    "overdue_check_in": "warning",
    "no_go_entry": "critical",
    "stale_fix": "warning",
    "sos": "critical",
    "convoy_split": "warning",
    "incident_nearby": "warning",
}
EARLY_FIXES = timedelta(hours=2)  # fixes older than this before departure say nothing of it


class MovementWatch:
    """The monitor's state for one movement.

    Parameters
    ----------
    plan
        What the movement should do (:class:`~jsms.tracking.monitor.plan.WatchPlan`).
    thresholds
        The configured numbers (:class:`~jsms.tracking.monitor.thresholds.Thresholds`).
    """

    def __init__(self, plan: WatchPlan, thresholds: Thresholds) -> None:
        self.plan = plan
        self.t = thresholds
        self.route = RouteLine(plan.route)
        self.corridor_m = plan.corridor_m or thresholds.corridor_m
        self.tracks: dict[str, Track] = {}
        self.started_at = plan.started_at
        self.departed_at: datetime | None = None
        self.arrived_at: datetime | None = None
        self.deviation = Excursion(thresholds.corridor_dwell)
        self.no_go = {zone.name: Excursion(timedelta(0)) for zone in plan.no_go}
        self.stopped_since: datetime | None = None
        self.stop_reported = False
        self.last_check_in: dict[str, datetime] = {}
        self.incidents_seen: set[str] = set()
        self.reported: set[str] = set()
        roles = set(plan.devices.values())
        self.primary = PROTECTEE if PROTECTEE in roles or not roles else ESCORT
        ox, oy = self.route.project([plan.route[0][0]], [plan.route[0][1]])
        dx, dy = self.route.project([plan.route[-1][0]], [plan.route[-1][1]])
        self._ends = ((float(ox[0]), float(oy[0])), (float(dx[0]), float(dy[0])))
        sx, sy = self.route.project([s.lat for s in plan.stops], [s.lon for s in plan.stops])
        self._stops = list(zip(sx.tolist(), sy.tolist(), strict=True))

    # State -----------------------------------------------------------------------------

    @property
    def under_way_since(self) -> datetime | None:
        """When the movement started (in the system, or by leaving its origin)."""
        times = [t for t in (self.started_at, self.departed_at) if t is not None]
        return min(times) if times else None

    @property
    def under_way(self) -> bool:
        return self.under_way_since is not None and self.arrived_at is None

    def start(self, at: datetime) -> None:
        """The movement was started in the system."""
        if self.started_at is None:
            self.started_at = at

    def check_in(self, who: str, at: datetime) -> None:
        """Someone checked in (``escort_commander`` or ``protectee``): their timer restarts."""
        if at > self.last_check_in.get(who, at - timedelta(seconds=1)):
            self.last_check_in[who] = at

    def _role(self, position: StoredPosition) -> str:
        role = self.plan.devices.get(position.device_id, position.role)
        return role if role in (ESCORT, PROTECTEE) else ESCORT

    def near_planned_halt(self, x: float, y: float) -> bool:
        radius = self.t.ends_radius_m
        return any(np.hypot(x - px, y - py) <= radius for px, py in (*self._ends, *self._stops))

    # Findings --------------------------------------------------------------------------

    def finding(
        self,
        kind: str,
        subject: str,
        start: datetime,
        at: datetime,
        what: str,
        *,
        track: Track | None = None,
        device: str | None = None,
        severity: str | None = None,
        **detail: Any,
    ) -> Finding | None:
        key = episode_key(self.plan.movement_id, kind, subject, start)
        if key in self.reported:
            return None
        self.reported.add(key)
        return Finding(
            kind=kind,
            severity=severity or SEVERITY[kind],
            key=key,
            title=f"{self.plan.reference} {KINDS[kind]}: {what}",
            at=at,
            movement_id=self.plan.movement_id,
            device_id=track.device_id if track else device,
            incident_id=detail.pop("incident_id", None),
            lat=track.lat if track else detail.pop("lat", None),
            lon=track.lon if track else detail.pop("lon", None),
            detail={"episode_start": start.isoformat(), **detail},
        )

    # Positions -------------------------------------------------------------------------

    def observe(
        self, positions: Sequence[StoredPosition], located: Located | None = None
    ) -> list[Finding]:
        """Take a batch of this movement's positions (in arrival order); what they reveal.

        ``located`` is the batch's geometry when the caller has computed it already
        (:func:`~jsms.tracking.monitor.route.locate_on`). A fix no newer than the device's
        last is a duplicate or a late store-and-forward fix: it does not move the device back
        in time (an SOS in it still counts).
        """
        if not positions:
            return []
        if located is None or self.plan.no_go:
            lats = np.fromiter((p.lat for p in positions), float, len(positions))
            lons = np.fromiter((p.lon for p in positions), float, len(positions))
            located = located or locate_on([self.route] * len(positions), lats, lons)
            inside = {
                name: zone.inside(lats, lons).tolist()
                for name, zone in zip(self.no_go, self.plan.no_go, strict=True)
            }
        else:
            inside = {}
        xs, ys, off, along = (values.tolist() for values in located)
        (ox, oy), (dx, dy) = self._ends  # distances to the ends, for the batch at once
        from_origin = np.hypot(located[0] - ox, located[1] - oy).tolist()
        to_destination = np.hypot(located[0] - dx, located[1] - dy).tolist()
        found: list[Finding | None] = []
        for i, p in enumerate(positions):
            track = self.tracks.get(p.device_id)
            if track is None:
                track = self.tracks[p.device_id] = Track(p.device_id, self._role(p))
            if p.alarm and p.alarm.lower() == "sos":
                found.append(self._sos(track, p))
            if track.fixed_at is not None and p.fixed_at <= track.fixed_at:
                continue
            xy = (xs[i], ys[i])
            track.move_to(
                p.fixed_at,
                p.lat,
                p.lon,
                xy,
                p.speed_mps,
                stop_speed_mps=self.t.stop_speed_mps,
                stop_radius_m=self.t.stop_radius_m,
            )
            track.off_route_m, track.along_m = off[i], along[i]
            self._departure_and_arrival(track, from_origin[i], to_destination[i])
            if track.off_route_m <= self.corridor_m:
                track.remember_progress(
                    p.fixed_at, track.along_m, timedelta(seconds=self.t.eta_window_s)
                )
            if not self.under_way:
                continue
            found.append(self._corridor(track, p.fixed_at))
            for name, flags in inside.items():
                found.append(self._no_go(name, track, bool(flags[i]), p.fixed_at))
            found.append(convoy.unplanned_stop(self, p.fixed_at))
            found.extend(convoy.split(self, track, p.fixed_at))
        return [f for f in found if f is not None]

    def _departure_and_arrival(
        self, track: Track, from_origin: float, to_destination: float
    ) -> None:
        assert track.fixed_at is not None
        if track.fixed_at < self.plan.departure - EARLY_FIXES:
            return
        ends = self.t.ends_radius_m
        if from_origin <= ends:
            track.seen_at_origin = True
        if track.role != self.primary:
            return
        on_route_ahead = (
            track.off_route_m <= self.corridor_m
            and ends < track.along_m < self.route.length_m - ends
            and track.fixed_at >= self.plan.departure - timedelta(minutes=30)
        )
        if (
            self.departed_at is None
            and from_origin > ends
            and (track.seen_at_origin or on_route_ahead)
        ):
            self.departed_at = track.fixed_at
        if self.under_way and to_destination <= ends:
            self.arrived_at = track.fixed_at

    def _sos(self, track: Track, p: StoredPosition) -> Finding | None:
        last = track.sos_last
        new = last is None or abs(p.fixed_at - last) > self.t.sos_episode
        track.sos_last = p.fixed_at if last is None else max(last, p.fixed_at)
        if not new:
            return None
        f = self.finding(
            "sos",
            p.device_id,
            p.fixed_at,
            p.fixed_at,
            f"device {p.device_id}",
            severity="critical",
            device=p.device_id,
            lat=p.lat,
            lon=p.lon,
            role=track.role,
        )
        return f

    def _corridor(self, track: Track, at: datetime) -> Finding | None:
        episode = self.deviation.devices.get(track.device_id)
        limit = self.corridor_m * (
            self.t.corridor_back_fraction if episode and episode.active else 1.0
        )
        opened = self.deviation.update(track.device_id, track.off_route_m > limit, at)
        return self._deviation_finding(track, opened, at)

    def _deviation_finding(
        self, track: Track, opened: tuple[str, datetime] | None, at: datetime
    ) -> Finding | None:
        if opened is None:
            return None
        device, start = opened
        return self.finding(
            "deviation",
            device,
            start,
            at,
            f"{track.off_route_m:.0f} m off the route for {duration_text(at - start)}",
            track=track,
            off_route_m=round(track.off_route_m),
            corridor_m=self.corridor_m,
            dwell_s=self.t.corridor_dwell_s,
        )

    def _no_go(self, name: str, track: Track, inside: bool, at: datetime) -> Finding | None:
        opened = self.no_go[name].update(track.device_id, inside, at)
        if opened is None:
            return None
        zone = next(z for z in self.plan.no_go if z.name == name)
        shape: dict[str, Any] = {}
        if zone.geometry is not None:  # the polygon goes into the CAP message's area
            shape["zone"] = json.loads(json.dumps(mapping(zone.geometry)))
        else:
            shape["radius_km"] = zone.radius_km
        return self.finding(
            "no_go_entry",
            opened[0],
            opened[1],
            at,
            name,
            track=track,
            place=name,
            rule_id=zone.rule_id,
            **shape,
        )

    # Clock -----------------------------------------------------------------------------

    def tick(self, now: datetime) -> list[Finding]:
        """What the passing of time reveals at ``now``."""
        found: list[Finding | None] = [clock.late_departure(self, now)]
        if self.under_way:
            for device in self.deviation.waiting():
                track = self.tracks.get(device)
                if track is not None and track.fresh(now, self.t.stale_fix):
                    found.append(
                        self._deviation_finding(
                            track, self.deviation.update(device, True, now), now
                        )
                    )
            found.append(convoy.unplanned_stop(self, now))
            found.extend(clock.stale_fixes(self, now))
            found.extend(clock.overdue_check_ins(self, now))
        return [f for f in found if f is not None]

    # Incidents and progress ------------------------------------------------------------

    def incident(self, report: IncidentReport) -> Finding | None:
        """A new incident: reported if it is near a device or the route still to drive."""
        if report.incident_id in self.incidents_seen or self.arrived_at is not None:
            return None
        self.incidents_seen.add(report.incident_id)
        radius = self.t.incident_radius_km * 1000
        where = (report.lat, report.lon)
        near = [
            (self.route.metres_between(where, (t.lat, t.lon)), t)
            for t in self.tracks.values()
            if t.fixed_at
        ]
        close = min(near, key=lambda pair: pair[0], default=None)
        if close is not None and close[0] <= radius:
            distance, what, severity = close[0], "from a device", "critical"
        else:
            done = self.progress(report.at).done_m
            distance = self.route.distance_ahead(report.lat, report.lon, done)
            what, severity = "from the route ahead", "warning"
            if distance > radius:
                return None
        return self.finding(
            "incident_nearby",
            report.incident_id,
            report.at,
            report.at,
            f"{report.title or 'incident'} {distance / 1000:.1f} km {what}",
            severity=severity,
            incident_id=report.incident_id,
            lat=report.lat,
            lon=report.lon,
            distance_m=round(distance),
            radius_km=self.t.incident_radius_km,
        )

    def progress(self, now: datetime) -> Progress:
        """How far along the route the movement is, and its ETA."""
        mains = [t for t in self.tracks.values() if t.role == self.primary and t.fixed_at]
        fresh = [t for t in mains if t.fresh(now, self.t.stale_fix)] or mains
        lead = max(fresh, key=lambda t: t.along_m, default=None)
        return estimate(
            now=now,
            length_m=self.route.length_m,
            done_m=lead.along_m if lead else 0.0,
            recent_speed=lead.recent_speed() if lead else None,
            departure=self.plan.departure,
            arrival=self.plan.arrival,
            departed=self.departed_at is not None or self.started_at is not None,
            arrived=self.arrived_at is not None,
            off_route_m=lead.off_route_m if lead else None,
            last_fix_at=lead.fixed_at if lead else None,
        )
