"""Episodes: a condition that must hold for a while before it is reported, and the key that
names each episode so that seeing it again (a repeat, a replay after a crash, another worker
taking over) is recognised as the same alert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["Episode", "Excursion", "duration_text", "episode_key"]


def duration_text(span: timedelta) -> str:
    """``"2 min 05 s"``: a duration as a control room reads it in an alert's title.

    Examples
    --------
    >>> duration_text(timedelta(seconds=125)), duration_text(timedelta(seconds=40))
    ('2 min 05 s', '40 s')
    """
    seconds = round(span.total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def episode_key(movement_id: str, kind: str, subject: str, start: datetime) -> str:
    """``movement:kind:subject:start`` with the start in UTC: the same episode always gets
    the same key, whichever process sees it.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> episode_key("m1", "deviation", "dev-7", datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
    'm1:deviation:dev-7:2026-03-01T10:00:00+00:00'
    """
    return f"{movement_id}:{kind}:{subject}:{start.astimezone(UTC).isoformat()}"


@dataclass
class Episode:
    """A condition that has held since ``since``; reported once it has lasted ``dwell``.

    Examples
    --------
    A detour across a junction (30 s) is not reported; staying off for a minute is, once,
    with the time it began:

    >>> from datetime import datetime, timedelta, UTC
    >>> t0, dwell = datetime(2026, 1, 1, tzinfo=UTC), timedelta(seconds=60)
    >>> e = Episode()
    >>> e.update(True, t0, dwell), e.update(False, t0 + timedelta(seconds=30), dwell)
    (None, None)
    >>> e.update(True, t0 + timedelta(seconds=40), dwell)
    >>> e.update(True, t0 + timedelta(seconds=100), dwell) == t0 + timedelta(seconds=40)
    True
    >>> e.update(True, t0 + timedelta(seconds=130), dwell) is None  # already reported
    True
    """

    since: datetime | None = None
    raised: bool = False

    @property
    def active(self) -> bool:
        return self.since is not None

    def update(self, holds: bool, at: datetime, dwell: timedelta) -> datetime | None:
        """Record whether the condition holds at ``at``; the episode's start the first time
        it has held for ``dwell``, else ``None``."""
        if not holds:
            self.since, self.raised = None, False
            return None
        if self.since is None:
            self.since = at
        if not self.raised and at - self.since >= dwell:
            self.raised = True
            return self.since
        return None


@dataclass
class Excursion:
    """Devices of one movement outside where they should be (off the route, inside a no-go
    zone): each device's own episode, and one episode for the movement that opens when the
    first device has been out for the dwell and closes when every device is back. A convoy
    of five phones leaving the road together is one alert, not five.

    Examples
    --------
    >>> from datetime import datetime, timedelta, UTC
    >>> t0, s = datetime(2026, 1, 1, tzinfo=UTC), timedelta(seconds=1)
    >>> x = Excursion(dwell=60 * s)
    >>> x.update("a", True, t0), x.update("b", True, t0 + 10 * s)
    (None, None)
    >>> x.update("a", True, t0 + 60 * s) == ("a", t0)
    True
    >>> x.update("b", True, t0 + 70 * s) is None  # the same episode
    True
    >>> x.update("a", False, t0 + 80 * s), x.update("b", False, t0 + 80 * s), x.open
    (None, None, None)
    """

    dwell: timedelta
    devices: dict[str, Episode] = field(default_factory=dict)
    open: tuple[str, datetime] | None = None

    def update(self, device: str, holds: bool, at: datetime) -> tuple[str, datetime] | None:
        """Record one device's state; ``(device, start)`` when a movement episode opens."""
        episode = self.devices.setdefault(device, Episode())
        started = episode.update(holds, at, self.dwell)
        # (only an open episode needs every device looked at: the common case skips it)
        if not holds and self.open is not None and not any(e.active for e in self.devices.values()):
            self.open = None
        if started is not None and self.open is None:
            self.open = (device, started)
            return self.open
        return None

    def waiting(self) -> list[str]:
        """Devices out but not yet for the dwell (a clock tick may complete them)."""
        return [d for d, e in self.devices.items() if e.active and not e.raised]
