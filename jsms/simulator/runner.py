"""The simulator's loop: every second, move each convoy and send the fixes that are due; every
few seconds, look again for movements that started or ended.

A convoy already on the road when the simulator starts appears where its schedule says it
should be by now; an approved one waits at its origin (its devices reporting now and then)
until someone starts it in JSMS, then sets off. The scripted trouble happens to one convoy:
the one named, else the first on the road.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jsms.db import new_session, utcnow
from jsms.simulator.fleet import Convoy, live_convoys, read_keys
from jsms.simulator.route import RouteWalk
from jsms.simulator.script import Drive, Script
from jsms.simulator.senders import Http, OsmAndHttp, Sender, choose_owntracks

__all__ = ["Settings", "Simulator"]

log = logging.getLogger("jsms.simulator")
TICK_S = 1.0
REFRESH_S = 5.0
SUMMARY_S = 60.0
START_AT_MOST = 0.8  # a convoy joined mid-route starts no later than this share of it


@dataclass(frozen=True)
class Settings:
    database_url: str
    keys_file: Path
    osmand_url: str = "http://127.0.0.1:5055"
    server_url: str = "http://127.0.0.1:8000"
    mqtt_url: str | None = None
    speed_up: float = 1.0
    script: Script = field(default_factory=Script)
    script_on: str | None = None  # a movement reference; default the first on the road


class Simulator:
    def __init__(self, settings: Settings, say: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.say = say or log.warning
        self.keys = read_keys(settings.keys_file)
        self.drives: dict[str, Drive] = {}
        self.scripted: str | None = None
        self.sent: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.osmand: Sender = OsmAndHttp(settings.osmand_url)
        self.say(f"escort trackers speak OsmAnd over HTTP to {settings.osmand_url}")
        self.owntracks: Sender = choose_owntracks(settings.mqtt_url, settings.server_url, self.say)

    # Convoys -----------------------------------------------------------------------------

    def refresh(self, t: float, now: datetime) -> None:
        """Pick up movements that started or ended since the last look."""
        with new_session(self.settings.database_url) as db:
            convoys = live_convoys(db, self.keys, now)
        wanted = {c.movement_id: c for c in convoys}
        for movement_id in [m for m in self.drives if m not in wanted]:
            self.say(f"{self.drives.pop(movement_id).reference}: no longer on the road; stopped")
        taken = {m.identifier for d in self.drives.values() for m in d.members}
        for convoy in convoys:
            drive = self.drives.get(convoy.movement_id)
            if drive is None:
                drive = self._drive(convoy, taken)
                if drive is None:
                    continue
                self.drives[convoy.movement_id] = drive
                taken |= {m.identifier for m in drive.members}
            if convoy.status == "in_progress" and not drive.moving:
                self._set_off(drive, convoy, t, now)

    def _drive(self, convoy: Convoy, taken: set[str]) -> Drive | None:
        members = [m for m in convoy.members if m.identifier not in taken]
        if not members:
            return None
        try:
            walk = RouteWalk.from_geojson(convoy.route)
        except ValueError:
            return None
        planned = max((convoy.arrival_at - convoy.departure_at).total_seconds(), 60.0)
        wanted = self.settings.script_on
        scripted = (wanted == convoy.reference) if wanted else self.scripted is None
        if scripted:
            self.scripted = convoy.reference
        script = self.settings.script if scripted else Script.quiet()
        drive = Drive(
            reference=convoy.reference,
            walk=walk,
            members=members,
            cruise_mps=walk.length_m / planned,
            speed_up=self.settings.speed_up,
            script=script,
        )
        phones = sum(1 for m in members if m.protocol == "owntracks")
        trouble = " (scripted: deviation, stop, SOS)" if scripted else ""
        self.say(
            f"{convoy.reference}: {len(members) - phones} tracker(s) and {phones} phone(s), "
            f"{convoy.status.replace('_', ' ')}{trouble}"
        )
        return drive

    def _set_off(self, drive: Drive, convoy: Convoy, t: float, now: datetime) -> None:
        share = min(convoy.schedule_fraction(now), START_AT_MOST)
        drive.begin(t, share * drive.walk.length_m)
        self.say(
            f"{drive.reference}: on the road at {share:.0%} of "
            f"{drive.walk.length_m / 1000:.0f} km, "
            f"{drive.cruise_mps * 3.6:.0f} km/h x{self.settings.speed_up:g}; nobody checks in"
        )

    # Sending -----------------------------------------------------------------------------

    def step(self, t: float, now: datetime) -> int:
        """Move every convoy to `t` and send what is due; how many fixes went out."""
        count = 0
        for drive in list(self.drives.values()):
            protocols = {m.identifier: (m.protocol, m.key) for m in drive.members}
            for report in drive.advance(t, now):
                protocol, key = protocols[report.identifier]
                sender = self.osmand if protocol == "osmand" else self.owntracks
                if sender.send(report, key):
                    self.sent[sender.name] += 1
                    count += 1
                else:
                    self.refused[sender.name] += 1
                if report.alarm:
                    self.say(f"{drive.reference}: SOS pressed on {report.identifier}")
        return count

    def summary(self) -> str:
        sent = ", ".join(f"{n} {name}" for name, n in sorted(self.sent.items())) or "nothing"
        refused = sum(self.refused.values())
        return f"sent {sent}" + (f"; {refused} not taken" if refused else "")

    def run(self, duration: float | None = None) -> None:
        """Until stopped (or for `duration` seconds)."""
        started = time.monotonic()
        next_refresh = next_summary = 0.0
        while not self.stopping.is_set():
            t = time.monotonic() - started
            if duration is not None and t >= duration:
                break
            now = utcnow()
            try:
                if t >= next_refresh:
                    self.refresh(t, now)
                    next_refresh = t + REFRESH_S
                self.step(t, now)
            except Exception:
                log.exception("the simulator failed a step; carrying on")
            if t >= next_summary:
                if next_summary:
                    self.say(self.summary())
                next_summary = t + SUMMARY_S
            self.stopping.wait(TICK_S)
        self.close()

    def wait_for_server(self, timeout: float = 60.0) -> bool:
        """Until JSMS answers (a simulator started beside the server goes first)."""
        deadline = time.monotonic() + timeout
        health = Http(self.settings.server_url)
        try:
            while not self.stopping.is_set() and time.monotonic() < deadline:
                if health.request("GET", "/healthz", b"", {}) == 200:
                    return True
                self.stopping.wait(0.5)
            return False
        finally:
            health.close()

    def start(self, wait_for: bool = False) -> Simulator:
        """In a thread of its own; `wait_for`: once the server answers."""

        def run() -> None:
            if wait_for and not self.wait_for_server():
                self.say(f"JSMS does not answer at {self.settings.server_url}: not driving")
                return
            self.run()

        self.thread = threading.Thread(target=run, name="jsms-simulator", daemon=True)
        self.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def close(self) -> None:
        self.osmand.close()
        self.owntracks.close()
