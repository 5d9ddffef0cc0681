"""Writing an order as a skeleton: fixed text plus slots of equivalent phrasings.

Each slot id is unique within the order; a slot whose options are all the same is plain text.
Sections are numbered (1, 2, 3...) and subsections lettered (a, b, c...) as they are written,
so an optional part left out never leaves a gap in the numbering. Variants choose only among
equally correct phrasings, and never mix styles: the items of one list share their slots
(:meth:`Builder.each`), and every time in the order is written in one style
(:meth:`Builder.time`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from jsms.movements.orders.watermark import Line, Part, Rotation, Seg, Slot
from jsms.movements.orders.watermark.vocab import road_options, time_options

__all__ = ["Builder", "place"]


class Builder:
    """Collects lines; ``s`` makes a slot whose id is unique within the order."""

    def __init__(self, times: Sequence[time] = (), zone: str = "") -> None:
        self.parts: list[Part] = []
        self.ids: set[str] = set()
        self.shared: dict[str, int] = {}
        self.sections = 0
        self.subsections = 0
        self.time_styles = min((len(time_options(t)) for t in times), default=1)
        """Styles every time of the order can be written in (12-hour needs no midnight)."""
        self.zone = zone
        """What follows every time shown ("PKT"), so no reader has to guess the zone."""

    def s(self, slot_id: str, *options: str) -> Seg:
        if len(set(options)) < 2:
            return options[0]
        if slot_id in self.ids or slot_id in self.shared:
            raise ValueError(f"duplicate slot id {slot_id}")
        self.ids.add(slot_id)
        return Slot(slot_id, tuple(options))

    def each(self, slot_id: str, *options: str) -> Seg:
        """A slot shared by the items of one list: each item words the options its own way
        ("reg. BKA-101", "reg. LEA-588"), and every item of a copy takes the same option."""
        if len(set(options)) < 2:
            return options[0]
        k = self.shared.setdefault(slot_id, len(options))
        if k != len(options) or slot_id in self.ids:
            raise ValueError(f"slot {slot_id} shared with {k} options, given {len(options)}")
        return Slot(slot_id, tuple(options))

    def time(self, t: time) -> Seg:
        """A local time in the order's one time style, naming its zone."""
        suffix = f" {self.zone}" if self.zone else ""
        return self.each("time", *(o + suffix for o in time_options(t)[: self.time_styles]))

    def line(self, style: str, *segs: Seg, label: Sequence[Seg] = (), mark: bool = False) -> Line:
        made = Line(style, tuple(segs), tuple(label), mark)  # type: ignore[arg-type]
        self.parts.append(made)
        return made

    def heading(self, title: str) -> int:
        """Start the next numbered section (``3. EXECUTION``); returns its number."""
        self.sections += 1
        self.subsections = 0
        self.line("heading", f"{self.sections}. {title}", mark=True)
        return self.sections

    def subheading(self, title: str) -> None:
        """Start the next lettered subsection of the current section (``b. Vehicles``)."""
        letter = chr(ord("a") + self.subsections)
        self.subsections += 1
        self.line("subheading", f"{letter}. {title}")

    def rotation(self, slot_id: str, lines: list[Line]) -> None:
        if len(lines) > 1:
            self.ids.add(slot_id)
        self.parts.append(Rotation(slot_id, tuple(lines)))


def place(b: Builder, slot_id: str, name: str) -> Seg:
    roads = road_options(name)
    return b.s(slot_id, *roads) if roads else name
