"""The shape of a watermarked order: slots, lines, recipients and how a copy is resolved.

Why a separate module: the renderers (``orders``), the detector and the tracer all need the
same notion of a slot and of a recipient's choice, and none of them should import the others.
Choices are ``HMAC(secret, movement id, recipient id, slot id) mod k``: reproducible by anyone
holding the secret, unpredictable to a recipient, independent between slots and movements.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Line",
    "Part",
    "Recipient",
    "RenderedLine",
    "Rotation",
    "Seg",
    "Skeleton",
    "Slot",
    "Style",
    "choice",
    "derive_secret",
    "find_invisible",
    "invisible_mark",
    "invisible_tag",
    "line_text",
    "realise",
    "realise_sources",
]

Style = Literal["classification", "title", "copy", "heading", "subheading", "fact", "text", "item"]


@dataclass(frozen=True)
class Slot:
    """A place with equivalent phrasings; each recipient's copy shows one of ``options``."""

    slot_id: str
    options: tuple[str, ...]


Seg = str | Slot


@dataclass(frozen=True)
class Line:
    """One line of an order: fixed text and slots. ``label`` is the key of a key-fact line."""

    style: Style
    segs: tuple[Seg, ...]
    label: tuple[Seg, ...] = ()
    mark: bool = False
    """Carry the invisible payload at the end (headings)."""


@dataclass(frozen=True)
class Rotation:
    """Interchangeable lines (hospitals, contacts): a recipient sees them rotated by a choice."""

    slot_id: str
    lines: tuple[Line, ...]


Part = Line | Rotation


@dataclass(frozen=True)
class Skeleton:
    """Everything every copy of one movement's order shares, with the slots left open."""

    movement_id: str
    parts: tuple[Part, ...]

    def slots(self) -> list[Slot]:
        """Every choice point, rotations included (as slots over their rotations); a slot
        shared by several lines is listed once."""
        found: list[Slot] = []
        for part in self.parts:
            lines = part.lines if isinstance(part, Rotation) else (part,)
            if isinstance(part, Rotation) and len(part.lines) > 1:
                found.append(Slot(part.slot_id, tuple(str(i) for i in range(len(part.lines)))))
            for line in lines:
                found.extend(s for s in (*line.label, *line.segs) if isinstance(s, Slot))
        return list({slot.slot_id: slot for slot in found}.values())


@dataclass(frozen=True)
class Recipient:
    """Who a copy is for, and the key material that makes their copy theirs.

    ``secret`` is the deployment's watermark key (never shown); ``label`` names the holder on
    the visible copy line ("Copy for: ops.karachi"), a deterrent only: tracing never relies on
    it.
    """

    recipient_id: str
    secret: bytes = field(repr=False)
    label: str | None = None
    invisible: bool = True


@dataclass(frozen=True)
class RenderedLine:
    """A line of one recipient's copy, with every slot resolved."""

    style: Style
    text: str
    label: str = ""


def _mac(secret: bytes, *parts: str) -> bytes:
    message = json.dumps(parts, ensure_ascii=True, separators=(",", ":")).encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def derive_secret(master_key: bytes, purpose: str = "movement-order-watermark/v1") -> bytes:
    """A watermark secret derived from a master key (e.g. the keyring's), so the watermark
    key needs no storage of its own and rotating it is a new ``purpose`` string."""
    return hmac.new(master_key, purpose.encode(), hashlib.sha256).digest()


def choice(secret: bytes, movement_id: str, recipient_id: str, slot_id: str, k: int) -> int:
    """The option a recipient sees: ``HMAC(secret, movement, recipient, slot) mod k``."""
    if k <= 1:
        return 0
    digest = _mac(secret, "slot", movement_id, recipient_id, slot_id)
    return int.from_bytes(digest[:8], "big") % k


# --- invisible payload -----------------------------------------------------------------------

_FRAME, _ZERO, _ONE = "\u2060", "\u200b", "\u200c"
_TAG_BITS = 32
_PAYLOAD = re.compile(f"{_FRAME}([{_ZERO}{_ONE}]{{{_TAG_BITS}}}){_FRAME}")


def invisible_tag(secret: bytes, movement_id: str, recipient_id: str) -> int:
    """The 32-bit tag hidden in zero-width characters in a recipient's copy."""
    digest = _mac(secret, "invisible", movement_id, recipient_id)
    return int.from_bytes(digest[:4], "big")


def invisible_mark(tag: int) -> str:
    """Word joiner, 32 bits as zero-width space (0) / non-joiner (1), word joiner."""
    bits = format(tag, f"0{_TAG_BITS}b")
    return _FRAME + "".join(_ONE if b == "1" else _ZERO for b in bits) + _FRAME


def find_invisible(text: str) -> set[int]:
    """Every complete payload in a text (a verbatim paste keeps them; retyping loses them)."""
    return {int("".join("1" if c == _ONE else "0" for c in m), 2) for m in _PAYLOAD.findall(text)}


# --- rendering -------------------------------------------------------------------------------


def _resolve(segs: Iterable[Seg], recipient: Recipient, movement_id: str) -> str:
    out = []
    for seg in segs:
        if isinstance(seg, Slot):
            k = len(seg.options)
            pick = choice(recipient.secret, movement_id, recipient.recipient_id, seg.slot_id, k)
            out.append(seg.options[pick])
        else:
            out.append(seg)
    return "".join(out)


def realise_sources(skeleton: Skeleton, recipient: Recipient) -> list[tuple[Line, RenderedLine]]:
    """Like :func:`realise`, each line paired with the skeleton line it came from."""
    mid = skeleton.movement_id
    mark = ""
    if recipient.invisible:
        mark = invisible_mark(invisible_tag(recipient.secret, mid, recipient.recipient_id))
    lines: list[tuple[Line, RenderedLine]] = []
    for part in skeleton.parts:
        if isinstance(part, Rotation):
            k = len(part.lines)
            shift = choice(recipient.secret, mid, recipient.recipient_id, part.slot_id, k)
            group = part.lines[shift:] + part.lines[:shift]
        else:
            group = (part,)
        for line in group:
            if line.style == "copy":
                if recipient.label:
                    lines.append((line, RenderedLine("copy", f"Copy for: {recipient.label}")))
                continue
            text = _resolve(line.segs, recipient, mid) + (mark if line.mark else "")
            label = _resolve(line.label, recipient, mid)
            lines.append((line, RenderedLine(line.style, text, label)))
    return lines


def realise(skeleton: Skeleton, recipient: Recipient) -> list[RenderedLine]:
    """One recipient's copy as lines; deterministic for a (movement, recipient, secret)."""
    return [rendered for _source, rendered in realise_sources(skeleton, recipient)]


def line_text(line: RenderedLine) -> str:
    """Plain-text form of a line (the form the tracer's patterns are built from)."""
    return f"{line.label}: {line.text}" if line.label else line.text
