"""Synthetic orders and simulated leaks, for the tracing tests, the benchmark and drills.

Why in the package: the same leak models (excerpt, retype, paraphrase) back the test of the
issue's check, ``benchmarks/leak_trace.py`` and any self-test an operator runs, so they must
not drift apart. Everything is seeded (``random.Random``) and offline.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, time

from jsms.movements.orders.content import (
    Communications,
    Contact,
    Emergency,
    EscortLeg,
    Hospital,
    InnerRing,
    OrderContent,
    RallyPoint,
    Vehicle,
)
from jsms.movements.orders.watermark import Recipient
from jsms.movements.orders.watermark.text import invisible_free

__all__ = [
    "drop_words",
    "example_order",
    "excerpt_contiguous",
    "excerpt_sentences",
    "make_recipients",
    "retype",
]


@dataclass(frozen=True)
class _Route:
    origin: str
    destination: str
    via: list[str]
    legs: list[tuple[str, str, str, str | None]]
    rally: tuple[str, float, str, str]
    hospitals: list[tuple[str, float, str | None]]
    qrf: tuple[str, str, int]
    distance: float


_ROUTES = [
    _Route(
        origin="Port Qasim power plant camp",
        destination="Jinnah International Airport, Terminal 1",
        via=["Bin Qasim Town", "N-5", "Shahrah-e-Faisal"],
        legs=[
            ("Sindh Police SPU", "camp gate", "Quaidabad", "Quaidabad flyover"),
            ("Sindh Rangers", "Quaidabad", "Drigh Road", "Drigh Road underpass"),
            ("ASF airport escort", "Drigh Road", "Terminal 1", None),
        ],
        rally=("Bin Qasim police station", 2.0, "north-east", "the camp gate"),
        hospitals=[
            ("Jinnah Postgraduate Medical Centre", 6.0, "Shahrah-e-Faisal"),
            ("Aga Khan University Hospital", 9.0, None),
            ("Combined Military Hospital Malir", 4.0, "Quaidabad"),
        ],
        qrf=("HAWK 5", "Malir Cantonment", 15),
        distance=42.0,
    ),
    _Route(
        origin="Dasu hydropower project camp",
        destination="Chilas district headquarters",
        via=["Komila", "Karakoram Highway", "Shatial checkpost"],
        legs=[
            ("KP Police SSU", "camp", "Shatial", "Shatial checkpost"),
            ("GB Scouts", "Shatial", "Chilas", None),
        ],
        rally=("Komila police lines", 1.5, "south-west", "the main bridge"),
        hospitals=[
            ("DHQ Hospital Dasu", 3.0, None),
            ("DHQ Hospital Chilas", 8.0, "Chilas bazaar"),
        ],
        qrf=("EAGLE 2", "Dasu FC fort", 25),
        distance=118.0,
    ),
    _Route(
        origin="Gwadar port residential compound",
        destination="New Gwadar International Airport",
        via=["Marine Drive", "East Bay Expressway", "Airport link road"],
        legs=[
            ("Balochistan Police SPD", "compound gate", "Expressway toll plaza", "toll plaza"),
            ("FC Balochistan", "toll plaza", "airport gate", None),
        ],
        rally=("Gwadar port police post", 3.0, "west", "the compound gate"),
        hospitals=[
            ("GDA Hospital Gwadar", 5.0, None),
            ("Pak-China Friendship Hospital", 7.0, "Marine Drive"),
        ],
        qrf=("FALCON 9", "Gwadar FC headquarters", 20),
        distance=31.0,
    ),
]
_CALLSIGNS = ["FALCON", "VIPER", "COBRA", "ORYX", "MARKHOR", "IBEX", "LYNX", "TIGER"]
_PLATES = ["BKA", "BKC", "LEA", "GBA", "IDK"]
_TEAMS = ["JADE", "AMBER", "ONYX", "CORAL", "SLATE"]


def example_order(seed: int = 0, *, movement_id: str | None = None) -> OrderContent:
    """A realistic, fictitious movement order; different seeds give unrelated movements."""
    rng = random.Random(seed)
    route = _ROUTES[seed % len(_ROUTES)]
    day = date(2024, 11, 1 + rng.randrange(28))
    dep = time(rng.choice([5, 6, 7, 9, 13, 14]), rng.choice([0, 15, 30, 45]))
    dep_min = dep.hour * 60 + dep.minute
    drive = 40 + rng.randrange(8) * 10
    arr_min = dep_min + drive
    arrival = time(arr_min // 60 % 24, arr_min % 60)
    callsign = rng.choice(_CALLSIGNS)
    count = rng.choice([3, 4, 4, 5])
    roles = ["lead"] + ["principal"] * (count - 2) + ["chase"]
    vehicles = [
        Vehicle(
            callsign=f"{callsign} {i}",
            registration=f"{rng.choice(_PLATES)}-{rng.randrange(100, 999)}",
            armoured=role != "chase",
            role=role,
        )
        for i, role in enumerate(roles, 1)
    ]
    checks = [
        time((dep_min + m) // 60 % 24, (dep_min + m) % 60)
        for m in range(15, drive, max(15, drive // 4))
    ]
    rally = route.rally
    qrf = route.qrf
    return OrderContent(
        movement_id=movement_id or f"mv-{day:%Y%m%d}-{seed:03d}",
        reference=f"JSMS/MO/{day:%Y/%m%d}-{seed % 100:02d}",
        classification="SECRET - NEED TO KNOW",
        date=day,
        departure=dep,
        arrival=arrival,
        origin=route.origin,
        destination=route.destination,
        via=list(route.via),
        vehicles=vehicles,
        passengers=rng.randrange(3, 12),
        inner_ring=InnerRing(callsign=rng.choice(_TEAMS), strength=rng.randrange(3, 9)),
        outer_ring=[EscortLeg(u, s, e, h) for u, s, e, h in route.legs],
        rally_point=RallyPoint(*rally),
        communications=Communications(
            radio_channel=f"VHF {rng.randrange(1, 9)}",
            spare_channel=f"HF {rng.randrange(2, 16)}",
            control="JSMS OPS",
            check_in_times=checks,
        ),
        emergency=Emergency(
            qrf_callsign=qrf[0],
            qrf_base=qrf[1],
            qrf_response_min=qrf[2],
            hospitals=[Hospital(*h) for h in route.hospitals],
        ),
        contacts=[
            Contact("Operations room", "JSMS OPS duty officer", "+92 21 3555 0100"),
            Contact("Convoy commander", f"{callsign} 1 commander", "0300 5550142"),
            Contact("Host escort liaison", "Inspector on duty", "+92 333 5550177"),
            Contact("Company security manager", "Guest team leader", "+92 345 5550190"),
        ],
        distance_km=route.distance,
        driving_minutes=drive,
    )


def make_recipients(n: int, secret: bytes, *, prefix: str = "R") -> list[Recipient]:
    return [Recipient(f"{prefix}{i:03d}", secret) for i in range(1, n + 1)]


# --- leak models -----------------------------------------------------------------------------


_ABBREVIATIONS = ("veh.", "reg.", "approx.", "tel.", "no.", "maj.", "retd.", "e.g.", "i.e.")


def _sentences(text: str) -> list[str]:
    """Sentences as a person would select them: split at a full stop before a capital."""
    parts: list[str] = []
    for line in text.splitlines():
        pieces = re.split(r"(?<=[.!?])\s+(?=[A-Z])", line.strip()) if line.strip() else []
        for piece in pieces:
            if parts and parts[-1].lower().endswith(_ABBREVIATIONS) and not piece[:1].isupper():
                parts[-1] += " " + piece
            else:
                parts.append(piece)
    return parts


def excerpt_contiguous(text: str, fraction: float, rng: random.Random) -> str:
    """A block of whole lines from a random place, about ``fraction`` of the characters."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    total = sum(len(ln) for ln in lines)
    starts = list(range(len(lines)))
    rng.shuffle(starts)
    for start in starts:
        taken, size = [], 0
        for ln in lines[start:]:
            taken.append(ln)
            size += len(ln)
            if size >= fraction * total:
                return "\n".join(taken)
    return "\n".join(lines[-max(1, len(lines) // 2) :])


def excerpt_sentences(text: str, fraction: float, rng: random.Random) -> str:
    """Sentences picked at random across the order (kept in order), ``fraction`` of its size."""
    sentences = _sentences(text)
    total = sum(len(s) for s in sentences)
    chosen: set[int] = set()
    size = 0
    for i in rng.sample(range(len(sentences)), len(sentences)):
        if size >= fraction * total:
            break
        chosen.add(i)
        size += len(sentences[i])
    return " ".join(sentences[i] for i in sorted(chosen))


_PLAIN_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
_KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _neighbour(ch: str, rng: random.Random) -> str:
    low = ch.lower()
    for row in _KEYBOARD:
        if low in row:
            i = row.index(low)
            options = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            return rng.choice(options)
    if ch.isdigit():
        return str((int(ch) + rng.choice([-1, 1])) % 10)
    return ch


def retype(text: str, rng: random.Random, typo_rate: float = 0.02) -> str:
    """Text as a person retyping it would produce: no invisible characters, plain quotes,
    reflowed lines, changed case, and typos in ``typo_rate`` of the characters (wrong key,
    missed key, doubled key, swapped pair)."""
    text = invisible_free(text)
    text = text.translate(_PLAIN_QUOTES)
    words = text.split()
    mode = rng.choice(["lower", "upper-words", "keep", "sentence"])
    if mode == "lower":
        words = [w.lower() for w in words]
    elif mode == "upper-words":
        words = [w.upper() if rng.random() < 0.15 else w for w in words]
    elif mode == "sentence":
        words = [w.lower() if rng.random() < 0.5 else w for w in words]
    out = []
    for w in words:
        out.append(w)
        out.append("\n" if rng.random() < 0.06 else "  " if rng.random() < 0.05 else " ")
    chars = list("".join(out).strip())
    typed: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch.isalnum() and rng.random() < typo_rate:
            kind = rng.randrange(4)
            if kind == 0:
                typed.append(_neighbour(ch, rng))
            elif kind == 1:
                pass  # missed key
            elif kind == 2:
                typed.extend([ch, ch])
            elif i + 1 < len(chars):
                typed.extend([chars[i + 1], ch])
                i += 1
            else:
                typed.append(ch)
        else:
            typed.append(ch)
        i += 1
    return "".join(typed)


def drop_words(text: str, fraction: float, rng: random.Random) -> str:
    """A light paraphrase: ``fraction`` of the words left out at random."""
    lines = []
    for line in text.splitlines():
        kept = [w for w in line.split() if rng.random() >= fraction]
        if kept:
            lines.append(" ".join(kept))
    return "\n".join(lines)
