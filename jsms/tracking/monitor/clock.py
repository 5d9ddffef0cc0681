"""The checks the passing of time drives: late departure, stale fixes and overdue
check-ins. Each is judged at the tick's time and named by a time that does not move (the
planned departure, the last fix, the due time), so a tick after a restart finds the same
episode."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from jsms.alerts.findings import Finding
from jsms.tracking.monitor.episodes import duration_text

if TYPE_CHECKING:
    from jsms.tracking.monitor.watch import MovementWatch

__all__ = ["late_departure", "overdue_check_ins", "stale_fixes"]


def late_departure(watch: MovementWatch, now: datetime) -> Finding | None:
    """Not yet left the origin well after the planned departure (one alert per movement)."""
    if watch.departed_at is not None or now < watch.plan.departure + watch.t.late_departure:
        return None
    if not watch.plan.devices and watch.started_at is not None:
        return None  # no device to tell whether it moved; the start is all we know
    late = now - watch.plan.departure
    return watch.finding(
        "late_departure",
        "-",
        watch.plan.departure,
        now,
        f"not left the origin {duration_text(late)} after the planned departure",
        lat=watch.route.start[0],
        lon=watch.route.start[1],
        late_departure_minutes=watch.t.late_departure_minutes,
    )


def stale_fixes(watch: MovementWatch, now: datetime) -> list[Finding | None]:
    """Devices silent too long while under way: one alert per silence of a device that had
    reported, and one per movement naming the devices that have not reported at all since it
    got under way (ten trackers of a convoy switched off are one alert, not ten)."""
    since = watch.under_way_since
    assert since is not None
    stale = watch.t.stale_fix
    found: list[Finding | None] = []
    for track in watch.tracks.values():
        if track.fixed_at is not None and now - track.fixed_at > stale:
            silent = duration_text(now - track.fixed_at)
            found.append(
                watch.finding(
                    "stale_fix",
                    track.device_id,
                    track.fixed_at,
                    now,
                    f"nothing from device {track.device_id} for {silent}",
                    track=track,
                    last_fix_at=track.fixed_at.isoformat(),
                    stale_fix_minutes=watch.t.stale_fix_minutes,
                )
            )
    never = sorted(d for d in watch.plan.devices if d not in watch.tracks)
    if never and now - since > stale:
        found.append(
            watch.finding(
                "stale_fix",
                "never",
                since,
                now,
                f"{len(never)} of its {len(watch.plan.devices)} devices have sent nothing in "
                f"{duration_text(now - since)} under way",
                lat=watch.route.start[0],
                lon=watch.route.start[1],
                devices=never,
                stale_fix_minutes=watch.t.stale_fix_minutes,
            )
        )
    return found


def overdue_check_ins(watch: MovementWatch, now: datetime) -> list[Finding | None]:
    """Check-ins the SOP schedule expects that have not come (one alert per due time)."""
    since = watch.under_way_since
    assert since is not None
    found: list[Finding | None] = []
    for schedule in watch.plan.check_ins:
        last = watch.last_check_in.get(schedule.who)
        base = max(since, last) if last else since
        due = base + schedule.every
        if now > due + schedule.grace:
            who = schedule.who.replace("_", " ")
            found.append(
                watch.finding(
                    "overdue_check_in",
                    schedule.who,
                    due,
                    now,
                    f"{who} check-in due {duration_text(now - due)} ago",
                    every_minutes=schedule.every.total_seconds() / 60,
                    grace_minutes=schedule.grace.total_seconds() / 60,
                    rule_id=schedule.rule_id,
                    last_check_in=last.isoformat() if last else None,
                )
            )
    return found
