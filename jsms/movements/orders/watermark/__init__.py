"""Per-recipient watermarks for movement orders, and tracing a leaked text to its recipient.

The public face of the watermark: :mod:`.model` (slots, skeletons, the keyed choice of a
phrasing, the invisible tag), :mod:`.vocab` (equivalent phrasings of numbers, times, roads),
:mod:`.text` (normalisation and approximate search), :mod:`.detect` (which phrasing a leak
shows in each slot) and :mod:`.trace` (scoring candidates; the design is explained there).
Everything here is pure: no database, no files.
"""

from jsms.movements.orders.watermark.detect import Observation, detect, probe_count
from jsms.movements.orders.watermark.model import (
    Line,
    Part,
    Recipient,
    RenderedLine,
    Rotation,
    Seg,
    Skeleton,
    Slot,
    choice,
    derive_secret,
    find_invisible,
    invisible_mark,
    invisible_tag,
    line_text,
    realise,
)
from jsms.movements.orders.watermark.trace import (
    CONFIDENT,
    Candidate,
    TraceResult,
    describe,
    trace,
)

__all__ = [
    "CONFIDENT",
    "Candidate",
    "Line",
    "Observation",
    "Part",
    "Recipient",
    "RenderedLine",
    "Rotation",
    "Seg",
    "Skeleton",
    "Slot",
    "TraceResult",
    "choice",
    "derive_secret",
    "describe",
    "detect",
    "find_invisible",
    "invisible_mark",
    "invisible_tag",
    "line_text",
    "probe_count",
    "realise",
    "trace",
]
