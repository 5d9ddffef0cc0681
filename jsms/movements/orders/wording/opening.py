"""The top of an order: key facts in one canonical form, then situation and mission."""

from __future__ import annotations

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Seg
from jsms.movements.orders.watermark.vocab import count_options, date_options
from jsms.movements.orders.wording.builder import Builder

__all__ = ["UNASSIGNED", "key_facts", "situation_and_mission"]

UNASSIGNED = "to be assigned"
"""What an order says where a vehicle or team is not yet assigned."""


def key_facts(b: Builder, c: OrderContent) -> None:
    b.line("heading", "KEY FACTS", mark=True)
    fact = b.line
    day = f"{c.date:%a} {c.date.day} {c.date:%b %Y}"
    fact("fact", day, label=[b.s("kf.date", "Date", "Movement date", "Day of move")])
    dep = b.s("kf.dep", "Departure", "Departure time", "Move off")
    zone = c.zone.label(c.departure_at)
    fact("fact", f"{c.departure:%H:%M} {zone}", label=[dep])
    if c.arrival:
        fact(
            "fact",
            f"{c.arrival:%H:%M} {zone}",
            label=[b.s("kf.eta", "Arrive by", "Latest arrival", "Arrival no later than")],
        )
    fact("fact", c.origin, label=[b.s("kf.from", "From", "Origin", "Starting point")])
    fact(
        "fact",
        c.destination,
        label=[b.s("kf.to", "Destination", "Final destination", "Arriving at")],
    )
    vehicles = ", ".join(v.callsign for v in c.vehicles) or UNASSIGNED
    fact("fact", vehicles, label=[b.s("kf.veh", "Vehicles", "Convoy", "Convoy vehicles")])
    fact(
        "fact",
        str(c.passengers),
        label=[b.s("kf.pax", "Passengers", "PAX", "Protected passengers")],
    )
    ring = c.inner_ring
    inner = f"{ring.callsign} ({ring.strength})" if ring.strength else UNASSIGNED
    fact(
        "fact",
        inner,
        label=[b.s("kf.inner", "Inner ring", "Close protection", "CP team")],
    )
    if c.outer_ring:
        units = ", ".join(dict.fromkeys(leg.unit for leg in c.outer_ring))
        fact("fact", units, label=[b.s("kf.outer", "Outer ring", "Host escort", "Escorting units")])
    qrf = c.emergency.qrf_callsign or f"on call through {c.communications.control}"
    fact("fact", qrf, label=[b.s("kf.qrf", "QRF", "Quick reaction force", "Reaction force")])
    net = c.communications.radio_channel
    fact("fact", net, label=[b.s("kf.net", "Radio", "Primary net", "Radio net")])


def situation_and_mission(b: Builder, c: OrderContent) -> None:
    pax = count_options(c.passengers, "passenger")
    b.heading("SITUATION")
    of_whom: list[Seg] = [" of ", b.s("sit.pax", *pax)] if c.passengers else []
    b.line(
        "text",
        b.s("sit.this", "This order", "This movement order"),
        " ",
        b.s("sit.verb", "covers", "sets out", "is for"),
        " the ",
        b.s("sit.move", "road move", "road movement"),
        *of_whom,
        " from ",
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
        " only to ",
        b.s("sit.who", "the people assigned to", "those assigned to", "the personnel assigned to"),
        " this movement, ",
        b.s("sit.from", "from the release time", "from the time of release"),
        " until the move is ",
        b.s("sit.until", "complete", "finished", "over"),
        ". ",
        b.s(
            "sit.audit",
            "Every view of this order is audited.",
            "Each time this order is opened, the view is audited.",
            "All views of this order are logged and audited.",
        ),
    )
    b.heading("MISSION")
    whom: list[Seg] = ["the ", b.s("mis.pax", *pax)] if c.passengers else ["the convoy"]
    mission: list[Seg] = [
        b.s("mis.verb", "Move", "Transport", "Take"),
        " ",
        *whom,
        " ",
        b.s("mis.safely", "safely", "securely"),
        " from ",
        c.origin,
        " to ",
        c.destination,
    ]
    if c.arrival:
        arrive = b.s("mis.by", "arriving by", "to arrive no later than", "with arrival by")
        mission += [", ", arrive, " ", b.time(c.arrival)]
    b.line("text", *mission, ".")
