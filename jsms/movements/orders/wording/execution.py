"""Execution: the route, the vehicles, the inner and outer rings and the rally point."""

from __future__ import annotations

from jsms.movements.orders.content import OrderContent
from jsms.movements.orders.watermark import Seg
from jsms.movements.orders.watermark.vocab import (
    bearing_options,
    distance_options,
    duration_options,
    number_options,
    product,
    time_options,
)
from jsms.movements.orders.wording.builder import Builder, minutes_between, place

__all__ = ["escort", "route", "vehicles"]


def route(b: Builder, c: OrderContent) -> None:
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
        b.line("item", word, f" {i}: ", place(b, f"rt.via{i}", name))
    if c.distance_km:
        label = b.s("rt.distlabel", "Total distance", "Route length", "Distance")
        b.line("text", label, ": ", b.s("rt.dist", *distance_options(c.distance_km)), ".")
    if c.arrival:
        label = b.s("rt.durlabel", "Expected driving time", "Planned journey time", "Driving time")
        duration = duration_options(minutes_between(c.departure, c.arrival))
        b.line("text", label, ": ", b.s("rt.dur", *duration), ".")
    halts = b.s(
        "rt.halts", "No halts are planned", "There are no planned halts", "No stops are planned"
    )
    besides = b.s("rt.except", "except", "other than")
    b.line("text", halts, " ", besides, " at escort handover points.")


def vehicles(b: Builder, c: OrderContent) -> None:
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


def escort(b: Builder, c: OrderContent) -> None:
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
