"""Movement orders: one movement's facts, written for one recipient as text, HTML or PDF.

Every copy states the same facts, but in that recipient's own words: the order is built as a
:class:`~jsms.movements.watermark.Skeleton` (fixed text plus slots of equivalent phrasings)
and each renderer resolves the slots for the recipient, so a leaked copy, even retyped or
quoted in part, can be traced (:func:`~jsms.movements.watermark.trace`). A key-facts block
at the top gives the critical values (date, departure time, origin, destination, vehicles,
escort callsigns) in one canonical form in every copy; only its labels vary.

Times are local (Asia/Karachi, PKT, UTC+5, no daylight saving). Nothing here touches the
database: the caller decides who may receive an order and audits each release and view.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from html import escape

from fpdf import FPDF

from jsms.movements.orders.watermark import (
    Candidate,
    Line,
    Part,
    Recipient,
    Rotation,
    Seg,
    Skeleton,
    Slot,
    line_text,
    realise,
)
from jsms.movements.orders.watermark.text import invisible_free
from jsms.movements.orders.watermark.vocab import (
    bearing_options,
    date_options,
    distance_options,
    duration_options,
    number_options,
    phone_options,
    product,
    road_options,
    time_options,
)

__all__ = [
    "PKT",
    "Communications",
    "Contact",
    "Emergency",
    "EscortLeg",
    "Hospital",
    "InnerRing",
    "OrderContent",
    "RallyPoint",
    "Recipient",
    "Vehicle",
    "build_skeleton",
    "candidates_for",
    "render_html",
    "render_pdf",
    "render_text",
]

PKT = timezone(timedelta(hours=5), "PKT")
"""Asia/Karachi: UTC+5 all year (Pakistan has not observed daylight saving since 2009)."""


@dataclass(frozen=True)
class Vehicle:
    callsign: str
    registration: str
    armoured: bool
    role: str = ""
    """Place in the convoy: lead, principal, chase..."""


@dataclass(frozen=True)
class InnerRing:
    """The guest (company) close-protection team that stays with the passengers."""

    callsign: str
    strength: int
    team: str = "guest security team"


@dataclass(frozen=True)
class EscortLeg:
    """One host unit's stretch of the outer ring; ``handover`` is where it hands on."""

    unit: str
    start: str
    end: str
    handover: str | None = None


@dataclass(frozen=True)
class RallyPoint:
    name: str
    distance_km: float | None = None
    bearing: str | None = None
    reference: str | None = None
    """What the distance and bearing are from ("the camp gate")."""


@dataclass(frozen=True)
class Communications:
    radio_channel: str
    check_in_times: list[time] = field(default_factory=list)
    control: str = "JSMS OPS"
    spare_channel: str | None = None


@dataclass(frozen=True)
class Hospital:
    name: str
    distance_km: float | None = None
    near: str | None = None
    """What the distance is from; the route when None."""


@dataclass(frozen=True)
class Emergency:
    qrf_callsign: str
    hospitals: list[Hospital] = field(default_factory=list)
    qrf_base: str | None = None
    qrf_response_min: int | None = None


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str


@dataclass
class OrderContent:
    """The facts of one movement that its order conveys (no passenger names)."""

    movement_id: str
    reference: str
    classification: str
    date: date
    departure: time
    origin: str
    destination: str
    via: list[str]
    vehicles: list[Vehicle]
    passengers: int
    inner_ring: InnerRing
    outer_ring: list[EscortLeg]
    rally_point: RallyPoint
    communications: Communications
    emergency: Emergency
    contacts: list[Contact] = field(default_factory=list)
    arrival: time | None = None
    distance_km: float | None = None

    @property
    def departure_at(self) -> datetime:
        return datetime.combine(self.date, self.departure, tzinfo=PKT)


# --- the order's wording ---------------------------------------------------------------------


class _Builder:
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


def _place(b: _Builder, slot_id: str, name: str) -> Seg:
    roads = road_options(name)
    return b.s(slot_id, *roads) if roads else name


def _minutes(start: time, end: time) -> int:
    delta = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return delta % (24 * 60)


def _facts(b: _Builder, c: OrderContent) -> None:
    b.line("heading", "KEY FACTS", mark=True)
    fact = b.line
    day = f"{c.date:%a} {c.date.day} {c.date:%b %Y}"
    fact("fact", day, label=[b.s("kf.date", "Date", "Movement date", "Day of move")])
    dep = b.s("kf.dep", "Departure", "Departure time", "Move off")
    fact("fact", f"{c.departure:%H:%M} PKT (UTC+5)", label=[dep])
    if c.arrival:
        fact(
            "fact",
            f"{c.arrival:%H:%M} PKT",
            label=[b.s("kf.eta", "Arrival (estimated)", "ETA", "Expected arrival")],
        )
    fact("fact", c.origin, label=[b.s("kf.from", "From", "Origin", "Starting point")])
    fact(
        "fact",
        c.destination,
        label=[b.s("kf.to", "Destination", "Final destination", "Arriving at")],
    )
    vehicles = ", ".join(v.callsign for v in c.vehicles)
    fact("fact", vehicles, label=[b.s("kf.veh", "Vehicles", "Convoy", "Convoy vehicles")])
    fact(
        "fact",
        str(c.passengers),
        label=[b.s("kf.pax", "Passengers", "PAX", "Protected passengers")],
    )
    ring = c.inner_ring
    inner = f"{ring.callsign} ({ring.strength})"
    fact(
        "fact",
        inner,
        label=[b.s("kf.inner", "Inner ring", "Close protection", "CP team")],
    )
    if c.outer_ring:
        units = ", ".join(dict.fromkeys(leg.unit for leg in c.outer_ring))
        fact("fact", units, label=[b.s("kf.outer", "Outer ring", "Host escort", "Escorting units")])
    qrf = c.emergency.qrf_callsign
    fact("fact", qrf, label=[b.s("kf.qrf", "QRF", "Quick reaction force", "Reaction force")])
    net = c.communications.radio_channel
    fact("fact", net, label=[b.s("kf.net", "Radio", "Primary net", "Radio net")])


def _situation(b: _Builder, c: OrderContent) -> None:
    pax = number_options(c.passengers)
    b.line("heading", "1. SITUATION", mark=True)
    b.line(
        "text",
        "This order ",
        b.s("sit.verb", "covers", "sets out", "is for"),
        " the ",
        b.s("sit.move", "road move", "road movement"),
        " of ",
        b.s("sit.pax", *pax),
        " passengers from ",
        c.origin,
        " to ",
        c.destination,
        " on ",
        b.s("sit.date", *date_options(c.date)),
        ".",
    )
    b.line(
        "text",
        "Route and timings are ",
        b.s("sit.released", "released", "disclosed", "given"),
        " only to the people assigned to this movement, from the release time until the move is ",
        b.s("sit.until", "complete", "finished", "over"),
        ". ",
        b.s(
            "sit.audit",
            "Every view of this order is audited.",
            "Each time this order is opened, the view is audited.",
            "All views of this order are logged and audited.",
        ),
    )
    b.line("heading", "2. MISSION", mark=True)
    mission: list[Seg] = [
        b.s("mis.verb", "Move", "Transport", "Take"),
        " the ",
        b.s("mis.pax", *pax),
        " passengers ",
        b.s("mis.safely", "safely", "securely"),
        " from ",
        c.origin,
        " to ",
        c.destination,
    ]
    if c.arrival:
        arrive = b.s("mis.by", "arriving by", "to arrive no later than", "with arrival by")
        mission += [", ", arrive, " ", b.s("mis.eta", *time_options(c.arrival))]
    b.line("text", *mission, ".")


def _route(b: _Builder, c: OrderContent) -> None:
    b.line("heading", "3. EXECUTION", mark=True)
    b.line("subheading", "a. Route")
    b.line(
        "text",
        "The convoy will ",
        b.s("rt.leave", "depart from", "leave", "move off from"),
        " ",
        c.origin,
        " at ",
        b.s("rt.dep", *time_options(c.departure)),
        " and ",
        b.s("rt.go", "drive", "travel", "proceed"),
        " to ",
        c.destination,
        " ",
        b.s("rt.by", "by this route", "by the following route", "along this route"),
        ":",
    )
    for i, name in enumerate(c.via, 1):
        word = b.s(f"rt.wp{i}", "Waypoint", "Via point", "WP")
        b.line("item", word, f" {i}: ", _place(b, f"rt.via{i}", name))
    if c.distance_km:
        label = b.s("rt.distlabel", "Total distance", "Route length", "Distance")
        b.line("text", label, ": ", b.s("rt.dist", *distance_options(c.distance_km)), ".")
    if c.arrival:
        label = b.s("rt.durlabel", "Expected driving time", "Planned journey time", "Driving time")
        duration = duration_options(_minutes(c.departure, c.arrival))
        b.line("text", label, ": ", b.s("rt.dur", *duration), ".")
    halts = b.s(
        "rt.halts", "No halts are planned", "There are no planned halts", "No stops are planned"
    )
    besides = b.s("rt.except", "except", "other than")
    b.line("text", halts, " ", besides, " at escort handover points.")


def _vehicles(b: _Builder, c: OrderContent) -> None:
    b.line("subheading", "b. Vehicles")
    b.line(
        "text",
        "The convoy has ",
        b.s("veh.n", *number_options(len(c.vehicles))),
        " vehicles; ",
        b.s("veh.keep", "keep", "hold", "maintain"),
        " this order of march:",
    )
    for i, v in enumerate(c.vehicles, 1):
        role = f" ({v.role})" if v.role else ""
        armour = ("armoured", "armour: yes") if v.armoured else ("soft-skin", "armour: none")
        b.line(
            "item",
            b.s(f"veh{i}.word", "Vehicle", "Veh.", "Vehicle no."),
            f" {i}: {v.callsign}{role}, ",
            b.s(
                f"veh{i}.reg",
                f"registration {v.registration}",
                f"reg. {v.registration}",
                f"number plate {v.registration}",
            ),
            ", ",
            b.s(f"veh{i}.armour", *armour),
            ".",
        )


def _escort(b: _Builder, c: OrderContent) -> None:
    ring = c.inner_ring
    control = c.communications.control
    b.line("subheading", "c. Inner ring")
    b.line(
        "text",
        f"The inner ring is the {ring.team}, callsign {ring.callsign}, ",
        b.s("in.strength", "strength", "with a strength of", "numbering"),
        " ",
        b.s("in.n", *number_options(ring.strength)),
        ". It ",
        b.s("in.stays", "stays", "remains", "travels"),
        " with the passengers ",
        b.s("in.always", "at all times", "throughout the move", "for the whole move"),
        ", including at halts and handovers.",
    )
    if c.outer_ring:
        b.line("subheading", "d. Outer ring")
    for i, leg in enumerate(c.outer_ring, 1):
        segs: list[Seg] = [
            b.s(f"out{i}.leg", "Leg", "Stage"),
            f" {i}, {leg.start} to {leg.end}: {leg.unit} ",
            b.s(f"out{i}.verb", "provides", "is responsible for", "holds"),
            " the outer ring. ",
        ]
        if leg.handover:
            segs += [
                b.s(f"out{i}.ho", "Handover at", "It hands over at", "Handover point:"),
                f" {leg.handover}.",
            ]
        else:
            segs += [
                b.s(f"out{i}.end", "The escort stays", "The escort remains", "That unit stays"),
                f" until arrival at {c.destination}.",
            ]
        b.line("item", *segs)
    if c.outer_ring:
        b.line(
            "text",
            b.s("out.cmd", "Escort commanders", "Unit commanders", "Commanders of escort units"),
            f" confirm each handover to {control} ",
            b.s("out.how", "by radio", "on the net", "over the radio"),
            ".",
        )
    rp = c.rally_point
    b.line("subheading", "e. Rally point")
    segs = [
        b.s("rp.if", "If the convoy is split", "If the convoy becomes separated"),
        ", ",
        b.s("rp.verb", "regroup", "rally", "reassemble"),
        f" at {rp.name}",
    ]
    if rp.distance_km is not None and rp.bearing and rp.reference:
        where = product(
            distance_options(rp.distance_km, approximate=False), bearing_options(rp.bearing)
        )
        segs += [", ", b.s("rp.where", *where), f" of {rp.reference}"]
    segs.append(". ")
    segs += [
        b.s("rp.wait", "Wait there for", "Hold there until you receive", "Stay there and await"),
        f" instructions from {control}.",
    ]
    b.line("text", *segs)


def _comms(b: _Builder, c: OrderContent) -> None:
    comms = c.communications
    b.line("heading", "4. COMMUNICATIONS", mark=True)
    segs: list[Seg] = [
        b.s("com.net", "Primary net", "Main net", "Primary channel"),
        f": {comms.radio_channel}.",
    ]
    if comms.spare_channel:
        spare = b.s("com.spare", "Alternate net", "Spare net", "Back-up net")
        segs += [" ", spare, f": {comms.spare_channel}."]
    b.line("text", *segs)
    b.line(
        "text", b.s("com.ctl", "Control station", "Net control", "Control"), f": {comms.control}."
    )
    if comms.check_in_times:
        b.line(
            "text",
            b.s("com.report", "Check in with", "Report to", "Call"),
            f" {comms.control} at these times:",
        )
    for i, t in enumerate(comms.check_in_times, 1):
        word = b.s(f"chk{i}.word", "Check-in", "Report", "Call-in")
        b.line("item", word, f" {i} at ", b.s(f"chk{i}", *time_options(t)), ".")
    b.line(
        "text",
        b.s("com.if", "If a check-in is missed", "When a check-in is missed"),
        ", control ",
        b.s("com.calls", "calls", "contacts", "rings"),
        " the convoy commander ",
        b.s("com.miss", "at once", "immediately", "straight away"),
        ". ",
        b.s("com.brev", "Use", "Keep to", "Stick to"),
        " brevity codes on the net; do not ",
        b.s("com.say", "say", "speak", "mention"),
        " place names or times ",
        b.s("com.clear", "in clear", "in plain language"),
        ".",
    )


def _emergency(b: _Builder, c: OrderContent) -> None:
    em = c.emergency
    control = c.communications.control
    b.line("heading", "5. EMERGENCY PROCEDURES", mark=True)
    qrf = b.s("qrf.label", "Quick reaction force", "Reaction force", "QRF")
    segs: list[Seg] = [qrf, f": callsign {em.qrf_callsign}"]
    if em.qrf_base:
        segs += [
            ", ",
            b.s("qrf.base", "based at", "stationed at", "standing by at"),
            f" {em.qrf_base}",
        ]
    if em.qrf_response_min:
        segs += [
            ", ",
            b.s("qrf.resp", "response time", "expected response", "reaction time"),
            " ",
            b.s("qrf.min", *duration_options(em.qrf_response_min)),
        ]
    b.line("text", *segs, ".")
    if em.hospitals:
        b.line("text", b.s("hosp.label", "Nearest hospitals", "Hospitals near the route"), ":")
    lines = []
    for i, h in enumerate(em.hospitals, 1):
        segs = [h.name]
        if h.distance_km is not None:
            segs += [", ", b.s(f"hosp{i}.dist", *distance_options(h.distance_km))]
            segs.append(f" from {h.near}" if h.near else " from the route")
        lines.append(Line("item", (*segs, ".")))
    b.rotation("hosp.order", lines)
    b.line("text", b.s("act.label", "Actions on contact", "If attacked", "On contact"), ":")
    b.line(
        "item",
        b.s("act.drive", "Drive through", "Push through", "Keep driving through"),
        " the danger area ",
        b.s("act.if", "if possible", "where possible", "if you can"),
        "; ",
        b.s("act.stop", "do not stop", "never stop", "don't stop"),
        " in the ",
        b.s("act.zone", "killing zone", "kill zone"),
        ".",
    )
    b.line(
        "item",
        "If a vehicle is ",
        b.s("act.disabled", "disabled", "immobilised"),
        ", ",
        b.s("act.xdeck", "cross-deck", "move", "transfer"),
        " the passengers to the ",
        b.s("act.near", "nearest", "closest"),
        " armoured vehicle and continue.",
    )
    b.line(
        "item",
        b.s("act.cas", "Casualties", "Injured", "Wounded"),
        ": ",
        b.s("act.aid", "give first aid", "apply first aid"),
        " ",
        b.s("act.then", "and", "then"),
        " take them to the nearest hospital ",
        b.s("act.above", "listed above", "named above"),
        ".",
    )
    b.line(
        "item",
        b.s("act.blocked", "Road blocked", "Route blocked", "Road closed"),
        ": ",
        b.s("act.back", "turn back", "return", "go back"),
        " to the last ",
        b.s("act.safe", "safe", "secure"),
        " point and ",
        b.s("act.await", "wait for", "await", "stand by for"),
        f" instructions from {control}.",
    )
    b.line(
        "item",
        b.s("act.lost", "Loss of communications", "Communications lost", "Comms lost"),
        ": ",
        b.s("act.on", "continue to", "drive on to", "carry on to"),
        " the next waypoint and ",
        b.s("act.retry", "try again", "retry", "call again"),
        " every ",
        b.s("act.five", "5", "five"),
        " minutes.",
    )


def _contacts_and_handling(b: _Builder, c: OrderContent) -> None:
    control = c.communications.control
    if c.contacts:
        b.line("heading", "6. CONTACTS", mark=True)
        lines = []
        for i, person in enumerate(c.contacts, 1):
            phone = product(("tel.", "phone", "ph."), phone_options(person.phone))
            lines.append(Line("item", (f"{person.role}: {person.name}, ", b.s(f"con{i}", *phone))))
        b.rotation("con.order", lines)
    b.line("heading", "7. HANDLING", mark=True)
    b.line(
        "text",
        "This copy is ",
        b.s("hdl.you", "issued to you personally", "for you alone", "issued to you alone"),
        ". ",
        b.s(
            "hdl.fwd",
            "Do not forward, copy or photograph it.",
            "Do not copy, forward or photograph it.",
            "Do not photograph, copy or forward it.",
        ),
        " ",
        b.s("hdl.del", "Delete or destroy", "Destroy or delete"),
        " it once the move is ",
        b.s("hdl.done", "over", "complete", "finished"),
        ".",
    )
    b.line(
        "text",
        b.s("hdl.tell", "Tell", "Inform", "Alert"),
        f" {control} ",
        b.s("hdl.now", "at once", "without delay", "immediately"),
        " if you ",
        b.s("hdl.think", "think", "suspect", "believe"),
        " that ",
        b.s("hdl.anyone", "anyone else", "someone else", "another person"),
        " has seen it.",
    )
    b.line("text", b.s("hdl.end", "END OF ORDER", "ORDER ENDS", "END OF DOCUMENT"))


def build_skeleton(content: OrderContent) -> Skeleton:
    """The order's wording with every equivalent phrasing left open as a slot."""
    b = _Builder()
    b.line("classification", content.classification)
    b.line("title", f"MOVEMENT ORDER {content.reference}")
    b.line("copy")
    _facts(b, content)
    _situation(b, content)
    _route(b, content)
    _vehicles(b, content)
    _escort(b, content)
    _comms(b, content)
    _emergency(b, content)
    _contacts_and_handling(b, content)
    b.line("classification", content.classification)
    return Skeleton(content.movement_id, tuple(b.parts))


def candidates_for(content: OrderContent, recipients: Sequence[Recipient]) -> list[Candidate]:
    """Tracing candidates: every recipient of this movement's order."""
    skeleton = build_skeleton(content)
    return [Candidate(r, skeleton) for r in recipients]


# --- renderers -------------------------------------------------------------------------------


def render_text(content: OrderContent, recipient: Recipient) -> str:
    """Plain text: one line per line, headings set off by a blank line, items with dashes."""
    out: list[str] = []
    for line in realise(build_skeleton(content), recipient):
        if line.style == "heading" and out:
            out.append("")
        out.append(f"- {line.text}" if line.style == "item" else line_text(line))
    return "\n".join(out) + "\n"


_CSS = (
    "body{font-family:Arial,Helvetica,sans-serif;max-width:46em;margin:2em auto;"
    "line-height:1.4;color:#111}.classification{text-align:center;font-weight:bold;"
    "color:#a00;letter-spacing:.05em}h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.4em}"
    "h3{font-size:1em}table.facts{border-collapse:collapse}table.facts th{text-align:left;"
    "padding:.15em 1em .15em 0;vertical-align:top}table.facts td{padding:.15em 0}"
    ".copy{color:#555}"
)


def render_html(content: OrderContent, recipient: Recipient) -> str:
    """A self-contained page (inline CSS, no scripts, no external resources); all text escaped."""
    lines = realise(build_skeleton(content), recipient)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="robots" content="noindex,nofollow">',
        f"<title>{escape(f'Movement order {content.reference}')}</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    open_list: str | None = None
    for line in lines:
        kind = "ul" if line.style == "item" else "table" if line.style == "fact" else None
        if open_list and kind != open_list:
            out.append(f"</{open_list}>")
            open_list = None
        if kind and open_list is None:
            out.append('<table class="facts">' if kind == "table" else "<ul>")
            open_list = kind
        text = escape(line.text)
        if line.style == "fact":
            out.append(f"<tr><th>{escape(line.label)}</th><td>{text}</td></tr>")
        elif line.style == "item":
            out.append(f"<li>{text}</li>")
        else:
            tag = {"title": "h1", "heading": "h2", "subheading": "h3"}.get(line.style, "p")
            css = f' class="{line.style}"' if line.style in {"classification", "copy"} else ""
            out.append(f"<{tag}{css}>{text}</{tag}>")
    if open_list:
        out.append(f"</{open_list}>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


_TYPOGRAPHY = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2212": "-",
    }
)  # fmt: skip


def _latin1(text: str) -> str:
    """Core PDF fonts take Latin-1 only: typography becomes ASCII, invisible marks go, and
    anything else is transliterated or shown as '?'."""
    out = []
    for ch in invisible_free(text).translate(_TYPOGRAPHY):
        if ord(ch) < 256:
            out.append(ch)
        else:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


class _OrderPDF(FPDF):
    classification = ""

    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, self.classification, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, self.classification, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 8)
        self.cell(0, 4, f"Page {self.page_no()}/{{nb}}", align="C")


def render_pdf(content: OrderContent, recipient: Recipient) -> bytes:
    """A text PDF (core fonts, real text objects) whose extracted text carries the watermark.

    Deterministic: the creation date is the movement date, so the same recipient always gets
    byte-identical files.
    """
    pdf = _OrderPDF(format="A4")
    pdf.classification = _latin1(content.classification)
    pdf.set_creation_date(datetime.combine(content.date, time(0, 0), tzinfo=UTC))
    pdf.set_title(_latin1(f"Movement order {content.reference}"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 14, 18)
    pdf.alias_nb_pages()
    pdf.add_page()
    styles = {
        "classification": ("B", 10, 0),
        "title": ("B", 14, 0),
        "heading": ("B", 11, 0),
        "subheading": ("B", 10, 0),
        "copy": ("I", 9, 0),
        "fact": ("", 10, 0),
        "text": ("", 10, 0),
        "item": ("", 10, 5),
    }
    for line in realise(build_skeleton(content), recipient):
        if line.style == "classification":
            continue  # printed in the header and footer of every page
        weight, size, indent = styles[line.style]
        if line.style == "heading":
            pdf.ln(2)
        pdf.set_font("Helvetica", weight, size)
        text = _latin1(line_text(line) if line.style != "item" else f"- {line.text}")
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
