"""Procedures: communications, emergencies, contacts and how the copy must be handled."""

from __future__ import annotations

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Line, Seg
from jsms.movements.orders.watermark.vocab import (
    distance_options,
    duration_options,
    phone_options,
)
from jsms.movements.orders.wording.builder import Builder

__all__ = ["communications", "contacts_and_handling", "emergency"]


def communications(b: Builder, c: OrderContent) -> None:
    comms = c.communications
    b.heading("COMMUNICATIONS")
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
        when = "this time" if len(comms.check_in_times) == 1 else "these times"
        report = b.s("com.report", "Check in with", "Report to", "Call")
        b.line("text", report, f" {comms.control} at {when}:")
    for i, t in enumerate(comms.check_in_times, 1):
        word = b.each("chk.word", "Check-in", "Report", "Call-in")
        b.line("item", word, f" {i} at ", b.time(t), ".")
    b.line(
        "text",
        b.s("com.if", "If a check-in is missed", "When a check-in is missed"),
        ", ",
        b.s("com.ctl2", "control", "net control"),
        " ",
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


def emergency(b: Builder, c: OrderContent) -> None:
    em = c.emergency
    control = c.communications.control
    b.heading("EMERGENCY PROCEDURES")
    qrf = b.s("qrf.label", "Quick reaction force", "Reaction force", "QRF")
    who = f"callsign {em.qrf_callsign}" if em.qrf_callsign else f"on call through {control}"
    segs: list[Seg] = [qrf, f": {who}"]
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
    if len(em.hospitals) == 1:
        b.line("text", b.s("hosp.label", "Nearest hospital", "Hospital near the route"), ":")
    elif em.hospitals:
        b.line("text", b.s("hosp.label", "Nearest hospitals", "Hospitals near the route"), ":")
    lines = []
    for h in em.hospitals:
        segs = [h.name]
        if h.distance_km is not None:
            segs += [", ", b.each("hosp.dist", *distance_options(h.distance_km))]
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
        b.s("act.ifveh", "If a vehicle is", "Should a vehicle be"),
        " ",
        b.s("act.disabled", "disabled", "immobilised"),
        ", ",
        b.s("act.xdeck", "cross-deck", "move", "transfer"),
        " the passengers to the ",
        b.s("act.near", "nearest", "closest"),
        " armoured" if any(v.armoured for v in c.vehicles) else " serviceable",
        " vehicle ",
        b.s("act.continue", "and continue", "and carry on", "and drive on"),
        ".",
    )
    b.line(
        "item",
        b.s("act.cas", "Casualties", "Injured", "Wounded"),
        ": ",
        b.s("act.aid", "give first aid", "apply first aid"),
        " ",
        b.s("act.then", "and", "then"),
        *(
            [" take them to the nearest hospital ", b.s("act.above", "listed above", "named above")]
            if em.hospitals
            else [f" take them to the nearest hospital {control} directs you to"]
        ),
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
        " the next waypoint and " if c.via else f" {c.destination} and ",
        b.s("act.retry", "try again", "retry", "call again"),
        " every ",
        b.s("act.five", "5", "five"),
        " minutes.",
    )


def contacts_and_handling(b: Builder, c: OrderContent) -> None:
    control = c.communications.control
    if c.contacts:
        b.heading("CONTACTS")
        lines = []
        styles = min(len(phone_options(person.phone)) for person in c.contacts)
        for person in c.contacts:
            tel = b.each("con.tel", "tel.", "phone", "ph.")
            number = b.each("con.phone", *phone_options(person.phone)[:styles])
            lines.append(Line("item", (f"{person.role}: {person.name}, ", tel, " ", number)))
        b.rotation("con.order", lines)
    b.heading("HANDLING")
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
        " it ",
        b.s("hdl.once", "once the move is", "when the move is", "as soon as the move is"),
        " ",
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
        " ",
        b.s("hdl.seen", "has seen it", "has had sight of it"),
        ".",
    )
    b.line("text", b.s("hdl.end", "END OF ORDER", "ORDER ENDS", "END OF DOCUMENT"))
