"""Execution: the route, the vehicles, the inner and outer rings and the rally point."""

from __future__ import annotations

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Seg
from jsms.movements.orders.watermark.vocab import (
    bearing_options,
    count_options,
    distance_options,
    duration_options,
    number_options,
    product,
)
from jsms.movements.orders.wording.builder import Builder, place

__all__ = ["escort", "route", "vehicles"]


def route(b: Builder, c: OrderContent) -> None:
    b.heading("EXECUTION")
    b.subheading("Route")
    by_route: list[Seg] = (
        [" ", b.s("rt.by", "by this route", "by the following route", "along this route"), ":"]
        if c.via
        else ["."]
    )
    b.line(
        "text",
        b.s("rt.will", "The convoy will", "The convoy is to"),
        " ",
        b.s("rt.leave", "depart from", "leave", "move off from"),
        " ",
        c.origin,
        " at ",
        b.time(c.departure),
        " and ",
        b.s("rt.go", "drive", "travel", "proceed"),
        " to ",
        c.destination,
        *by_route,
    )
    for i, name in enumerate(c.via, 1):
        word = b.each("rt.wp", "Waypoint", "Via point", "WP")
        b.line("item", word, f" {i}: ", place(b, f"rt.via{i}", name))
    if c.distance_km:
        label = b.s("rt.distlabel", "Total distance", "Route length", "Distance")
        b.line("text", label, ": ", b.s("rt.dist", *distance_options(c.distance_km)), ".")
    if c.driving_minutes:
        label = b.s("rt.durlabel", "Expected driving time", "Planned journey time", "Driving time")
        b.line("text", label, ": ", b.s("rt.dur", *duration_options(c.driving_minutes)), ".")
    halts = b.s(
        "rt.halts", "No halts are planned", "There are no planned halts", "No stops are planned"
    )
    if any(leg.handover for leg in c.outer_ring):
        besides = b.s("rt.except", "except", "other than")
        b.line("text", halts, " ", besides, " at escort handover points.")
    else:
        b.line("text", halts, ".")


def vehicles(b: Builder, c: OrderContent) -> None:
    b.subheading("Vehicles")
    count = b.s("veh.n", *count_options(len(c.vehicles), "vehicle"))
    has = b.s("veh.has", "The convoy has", "The convoy is made up of", "The convoy consists of")
    if not c.vehicles:
        b.line("text", f"Vehicles are to be assigned; {c.communications.control} confirms them.")
    elif len(c.vehicles) == 1:
        b.line("text", has, " ", count, ":")
    else:
        keep = b.s("veh.keep", "keep", "hold", "maintain")
        b.line("text", has, " ", count, "; ", keep, " this order of march:")
    for i, v in enumerate(c.vehicles, 1):
        role = f" ({v.role})" if v.role else ""
        armour = ("armoured", "armour: yes") if v.armoured else ("soft-skin", "armour: none")
        b.line(
            "item",
            b.each("veh.word", "Vehicle", "Veh.", "Vehicle no."),
            f" {i}: {v.callsign}{role}, ",
            b.each(
                "veh.reg",
                f"registration {v.registration}",
                f"reg. {v.registration}",
                f"number plate {v.registration}",
            ),
            ", ",
            b.each("veh.armour", *armour),
            ".",
        )


def escort(b: Builder, c: OrderContent) -> None:
    ring = c.inner_ring
    control = c.communications.control
    b.subheading("Inner ring")
    if ring.strength:
        who: list[Seg] = [
            f"The inner ring is the {ring.team}, callsign {ring.callsign}, ",
            b.s("in.strength", "strength", "with a strength of", "numbering"),
            " ",
            b.s("in.n", *number_options(ring.strength)),
            ". It ",
        ]
    else:
        who = [f"The inner ring, the {ring.team}, is still to be assigned. Once assigned it "]
    b.line(
        "text",
        *who,
        b.s("in.stays", "stays", "remains", "travels"),
        " with the passengers " if c.passengers else " with the convoy ",
        b.s("in.always", "at all times", "throughout the move", "for the whole move"),
        ", ",
        b.s("in.halts", "including at any halt or handover", "and at every halt or handover"),
        ".",
    )
    if c.outer_ring:
        b.subheading("Outer ring")
    for i, leg in enumerate(c.outer_ring, 1):
        segs: list[Seg] = [
            b.each("out.leg", "Leg", "Stage"),
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
            " ",
            b.s("out.confirm", "confirm each handover to", "report each handover to"),
            f" {control} ",
            b.s("out.how", "by radio", "on the net", "over the radio"),
            ".",
        )
    rp = c.rally_point
    b.subheading("Rally point")
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
