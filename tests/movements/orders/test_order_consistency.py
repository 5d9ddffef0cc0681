"""Defect 8: every copy of a movement order reads as a careful document.

Watermarking gives each recipient different wording; it must never give anyone a sloppy or
inconsistent order. For 50 recipients (text, HTML and PDF) every copy must number its sections
and subsections consecutively, make counts agree with their nouns, point every cross-reference
at something that exists, name its holder once, and state the same facts: reference, times,
the route's driving time, passengers, vehicles and escorts. Defect 3: every time names its
zone, the zone of the order's jurisdiction.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from datetime import time

import pytest

from jsms.movements.orders.content import (
    Communications,
    Emergency,
    InnerRing,
    OrderContent,
    RallyPoint,
    Vehicle,
)
from jsms.movements.orders.leak_simulation import example_order, make_recipients
from jsms.movements.orders.leak_trace import text_from_html, text_from_pdf
from jsms.movements.orders.render import render_html, render_pdf, render_text
from jsms.movements.orders.watermark import Recipient
from jsms.movements.orders.watermark.text import invisible_free
from jsms.movements.orders.watermark.vocab import number_word
from tests.movements.orders.conftest import SECRET

WORDS = {number_word(n): n for n in range(100)}
NOUNS = (
    "vehicle",
    "escort vehicle",
    "armoured vehicle",
    "passenger",
    "hospital",
    "minute",
    "hour",
    "kilometre",
    "check-in",
    "time",
    "leg",
    "person",
)
SPELT = "|".join(sorted((w for w in WORDS if w), key=len, reverse=True))
COUNT = re.compile(  # nouns in lower case: "Terminal 1 Vehicles: ..." is a label, not a count
    r"(?<![:\d])\b(?P<n>\d+|(?i:" + SPELT + r"))"
    r"(?: \((?P<digits>\d+)\))? (?P<noun>" + "|".join(NOUNS) + r")(?P<s>s?)\b"
)
TIME = re.compile(
    r"\b(?P<h12>\d{1,2}):(?P<m12>\d{2}) ?(?P<ampm>am|pm)\b"
    r"|\b(?P<h>\d{2}):(?P<m>\d{2})\b"
    r"|\b(?P<hm>\d{4}) hrs\b",
    re.IGNORECASE,
)
DRIVING = re.compile(
    r"(?:expected driving time|planned journey time|driving time): (?P<span>[^.]+)\.", re.I
)


def number(token: str) -> int:
    return int(token) if token.isdigit() else WORDS[token.lower()]


def minutes(span: str) -> int:
    """'2 h 10 min', '130 minutes', '2 hours 10 minutes', 'forty minutes' -> minutes."""
    total = 0
    for amount, unit in re.findall(r"([\w-]+) (h|hours?|min|minutes?)\b", span, re.I):
        total += number(amount) * (60 if unit.lower().startswith("h") else 1)
    return total


def times_in(text: str) -> list[str]:
    found = []
    for m in TIME.finditer(text):
        if m["ampm"]:
            hour = int(m["h12"]) % 12 + (12 if m["ampm"].lower() == "pm" else 0)
            found.append(f"{hour:02d}:{m['m12']}")
        elif m["h"]:
            found.append(f"{m['h']}:{m['m']}")
        else:
            found.append(f"{m['hm'][:2]}:{m['hm'][2:]}")
    return sorted(found)


def time_style(m: re.Match[str]) -> str:
    if m["ampm"]:
        return "12-hour"
    if m["hm"]:
        return "hrs"
    return "hours" if m.string[m.end() :].startswith(" hours") else "24-hour"


def problems(text: str, c: OrderContent) -> list[str]:
    """What a careful reader would object to in one copy."""
    text = invisible_free(text)
    lines = [line.strip().lstrip("- ").strip() for line in text.splitlines() if line.strip()]
    flat = " ".join(lines)
    found: list[str] = []

    sections = [int(m[1]) for line in lines if (m := re.match(r"^(\d+)\. [A-Z]{3,}", line))]
    if sections != list(range(1, len(sections) + 1)):
        found.append(f"sections numbered {sections}")
    letters: list[str] = []
    for line in lines:
        if re.match(r"^\d+\. [A-Z]{3,}", line):
            if letters and letters != [chr(ord("a") + i) for i in range(len(letters))]:
                found.append(f"subsections lettered {letters}")
            letters = []
        elif m := re.match(r"^([a-h])\. [A-Z][a-z]", line):
            letters.append(m[1])
    if letters and letters != [chr(ord("a") + i) for i in range(len(letters))]:
        found.append(f"subsections lettered {letters}")

    for m in COUNT.finditer(flat):
        n = number(m["n"])
        if m["digits"] is not None and int(m["digits"]) != n:
            found.append(f"'{m[0]}': word and digits disagree")
        if (m["s"] == "s") == (n == 1):
            found.append(f"'{m[0]}': count and noun disagree")

    numbered = [re.match(r"^([^\d:]+?) (\d+)(?:[:,]| at)\s", line) for line in lines]
    for previous, item in itertools.pairwise(numbered):
        if previous and item and int(item[2]) == int(previous[2]) + 1 and item[1] != previous[1]:
            found.append(f"one list words its items '{previous[1]}' and '{item[1]}'")
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("1. ")) :]
    styles = {time_style(m) for m in TIME.finditer(" ".join(body))}
    if len(styles) > 1:
        found.append(f"times written in several styles: {sorted(styles)}")

    zone = c.zone.abbreviation(c.departure_at)
    for m in TIME.finditer(flat):
        if not re.match(rf"(?: hours)? {re.escape(zone)}\b", flat[m.end() :]):
            found.append(f"'{flat[m.start() : m.end() + 12]}' does not name its zone {zone}")

    copy_lines = [line for line in lines if line.startswith("Copy for")]
    if len(copy_lines) != 1 or copy_lines[0].count("Copy for") != 1:
        found.append(f"copy line {copy_lines}")

    for m in re.finditer(r"(?:listed|named) above", flat):
        before = flat[: m.start()]
        if not any(h.name in before for h in c.emergency.hospitals):
            found.append(f"'{flat[max(0, m.start() - 40) : m.end()]}' refers to nothing")
    for m in re.finditer(r"\bsection (\d+)\b", flat, re.I):
        if int(m[1]) not in sections:
            found.append(f"'{m[0]}' does not exist")
    if re.search(r"\bwaypoint\b", flat, re.I) and not c.via:
        found.append("refers to waypoints that are not listed")
    if re.search(r"handover point", flat, re.I) and not any(leg.handover for leg in c.outer_ring):
        found.append("refers to handover points that do not exist")
    if re.search(r"armoured vehicle", flat, re.I) and not any(v.armoured for v in c.vehicles):
        found.append("refers to an armoured vehicle the convoy does not have")
    if re.search(r"callsign (to be assigned|host QRF)", flat):
        found.append("a placeholder is written as a callsign")
    return found


def facts(text: str) -> dict[str, object]:
    """The facts a copy states, in a form that must not differ between copies."""
    text = invisible_free(text)
    flat = " ".join(line.strip() for line in text.splitlines())
    counts: dict[str, set[int]] = {}
    for m in COUNT.finditer(flat):
        if m["noun"] in {"vehicle", "passenger"}:
            counts.setdefault(m["noun"], set()).add(number(m["n"]))
    driving = [minutes(m["span"]) for m in DRIVING.finditer(flat)]
    reference = re.search(r"MOVEMENT ORDER (\S+)", flat)
    return {
        "reference": reference[1] if reference else None,
        "times": times_in(flat),
        "driving": driving,
        "counts": counts,
    }


def sparse_order() -> OrderContent:
    """What a small real movement gives: one vehicle, one passenger, no listed hospitals, no
    contacts, no outer ring or waypoints, one check-in; a 9-hour window but a 2 h 10 min drive."""
    return OrderContent(
        movement_id="mv-sparse",
        reference="MV-2024-0042",
        classification="RESTRICTED - NEED TO KNOW - DO NOT FORWARD",
        date=example_order(0).date,
        departure=time(6, 30),
        arrival=time(15, 30),
        driving_minutes=130,
        origin="Karachi airport",
        destination="Hub",
        via=[],
        vehicles=[Vehicle("V1", "BKA-101", armoured=False, role="lead")],
        passengers=1,
        inner_ring=InnerRing(callsign="JADE", strength=1),
        outer_ring=[],
        rally_point=RallyPoint(name="Karachi airport assembly point"),
        communications=Communications(radio_channel="CH 12", check_in_times=[time(7, 0)]),
        emergency=Emergency(qrf_callsign=None),
    )


def full_order() -> OrderContent:
    """The synthetic order with a route duration shorter than the planned window."""
    c = example_order(0)
    return dataclasses.replace(c, arrival=time((c.departure.hour + 5) % 24, 0), driving_minutes=95)


Render = Callable[[OrderContent, Recipient], str]
FORMATS: dict[str, Render] = {
    "text": render_text,
    "html": lambda c, r: text_from_html(render_html(c, r)),
    "pdf": lambda c, r: text_from_pdf(render_pdf(c, r)),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("make", [full_order, sparse_order], ids=["full", "sparse"])
def test_fifty_copies_read_as_one_careful_order(make: Callable[[], OrderContent], fmt: str) -> None:
    c = make()
    recipients = [
        dataclasses.replace(r, label=f"user{i}.ops")
        for i, r in enumerate(make_recipients(50, SECRET))
    ]
    copies = [FORMATS[fmt](c, r) for r in recipients]
    assert len(set(copies)) == len(copies)  # the watermark still differs per copy
    for r, copy in zip(recipients, copies, strict=True):
        assert problems(copy, c) == [], (r.recipient_id, problems(copy, c))
        assert f"Copy for: {r.label}" in invisible_free(copy).replace("\n", " ")
    stated = [facts(copy) for copy in copies]
    assert all(s == stated[0] for s in stated), "copies state different facts"
    first = stated[0]
    assert first["reference"] == c.reference
    assert first["driving"] == [c.driving_minutes]
    assert first["counts"]["passenger"] == {c.passengers}
    assert first["counts"]["vehicle"] >= {len(c.vehicles)}
    assert f"{c.departure:%H:%M}" in first["times"]  # type: ignore[operator]
    flat = " ".join(invisible_free(copies[0]).split())
    assert c.inner_ring.callsign in flat
    for leg in c.outer_ring:
        assert leg.unit in flat


def test_every_time_names_the_orders_zone() -> None:
    """The zone travels with the order: the same order in another zone (a test) says so."""
    c = dataclasses.replace(full_order(), timezone="Asia/Kolkata")
    for i, r in enumerate(make_recipients(10, SECRET)):
        copy = invisible_free(render_text(c, dataclasses.replace(r, label=f"user{i}")))
        assert problems(copy, c) == []
        assert f"{c.departure:%H:%M} IST (UTC+5:30)" in copy  # the key facts give the offset
        assert "PKT" not in copy
