"""The wording of a movement order, with every equivalent phrasing left open as a slot.

Every copy states the same facts, but in its recipient's own words: the order is built as a
:class:`~jsms.movements.orders.watermark.Skeleton` (fixed text plus slots of equivalent
phrasings) and each renderer resolves the slots for the recipient, so a leaked copy, even
retyped or quoted in part, can be traced (:func:`~jsms.movements.orders.watermark.trace`). A
key-facts block at the top gives the critical values (date, departure time, origin,
destination, vehicles, escort callsigns) in one canonical form in every copy; only its labels
vary. :mod:`.opening`, :mod:`.execution` and :mod:`.procedures` write the sections in order.
"""

from __future__ import annotations

from collections.abc import Sequence

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Candidate, Recipient, Skeleton
from jsms.movements.orders.wording import execution, opening, procedures
from jsms.movements.orders.wording.builder import Builder

__all__ = ["build_skeleton", "candidates_for"]


def build_skeleton(content: OrderContent) -> Skeleton:
    """The order's wording with every equivalent phrasing left open as a slot."""
    comms = content.communications
    times = [
        content.departure,
        *([content.arrival] if content.arrival else []),
        *comms.check_in_times,
    ]
    b = Builder(times, content.zone.abbreviation(content.departure_at))
    b.line("classification", content.classification)
    b.line("title", f"MOVEMENT ORDER {content.reference}")
    b.line("copy")
    opening.key_facts(b, content)
    opening.situation_and_mission(b, content)
    execution.route(b, content)
    execution.vehicles(b, content)
    execution.escort(b, content)
    procedures.communications(b, content)
    procedures.emergency(b, content)
    procedures.contacts_and_handling(b, content)
    b.line("classification", content.classification)
    return Skeleton(content.movement_id, tuple(b.parts))


def candidates_for(content: OrderContent, recipients: Sequence[Recipient]) -> list[Candidate]:
    """Tracing candidates: every recipient of this movement's order."""
    skeleton = build_skeleton(content)
    return [Candidate(r, skeleton) for r in recipients]
