"""Writing an order as a skeleton: fixed text plus slots of equivalent phrasings.

Each slot id is unique within the order; a slot whose options are all the same is plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from jsms.movements.orders.watermark import Line, Part, Rotation, Seg, Slot
from jsms.movements.orders.watermark.vocab import road_options

__all__ = ["Builder", "minutes_between", "place"]


class Builder:
    """Collects lines; ``s`` makes a slot whose id is unique within the order."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.ids: set[str] = set()

    def s(self, slot_id: str, *options: str) -> Seg:
        if len(set(options)) < 2:
            return options[0]
        if slot_id in self.ids:
            raise ValueError(f"duplicate slot id {slot_id}")
        self.ids.add(slot_id)
        return Slot(slot_id, tuple(options))

    def line(self, style: str, *segs: Seg, label: Sequence[Seg] = (), mark: bool = False) -> Line:
        made = Line(style, tuple(segs), tuple(label), mark)  # type: ignore[arg-type]
        self.parts.append(made)
        return made

    def rotation(self, slot_id: str, lines: list[Line]) -> None:
        if len(lines) > 1:
            self.ids.add(slot_id)
        self.parts.append(Rotation(slot_id, tuple(lines)))


def place(b: Builder, slot_id: str, name: str) -> Seg:
    roads = road_options(name)
    return b.s(slot_id, *roads) if roads else name


def minutes_between(start: time, end: time) -> int:
    delta = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return delta % (24 * 60)
