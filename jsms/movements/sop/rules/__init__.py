"""The SOP rule kinds, by name: how each reads its parameters and checks a movement.

:mod:`.kind` says what every kind is made of (start there); :mod:`.notice` (advance notice,
police stations, approval chain), :mod:`.protection` (escorts, armoured vehicles, persons per
vehicle), :mod:`.route` (daylight and curfew windows, no-go zones) and :mod:`.checkin`
(check-ins while under way) hold the kinds.
"""

from __future__ import annotations

from typing import Any

from jsms.movements.sop.rules.checkin import CheckIn
from jsms.movements.sop.rules.kind import (
    Invalid,
    Item,
    Outcome,
    Reader,
    RuleContext,
    RuleKind,
    by_level,
)
from jsms.movements.sop.rules.notice import AdvanceNotice, ApprovalChain, NotifyPolice, Station
from jsms.movements.sop.rules.protection import ArmouredVehicle, EscortRule, MaxPersons
from jsms.movements.sop.rules.route import MovementWindow, NoGo

__all__ = [
    "KINDS",
    "AdvanceNotice",
    "ApprovalChain",
    "ArmouredVehicle",
    "CheckIn",
    "EscortRule",
    "Invalid",
    "Item",
    "MaxPersons",
    "MovementWindow",
    "NoGo",
    "NotifyPolice",
    "Outcome",
    "Reader",
    "RuleContext",
    "RuleKind",
    "Station",
    "by_level",
]

KINDS: dict[str, Any] = {
    kind.kind: kind
    for kind in (
        AdvanceNotice,
        EscortRule,
        ArmouredVehicle,
        MovementWindow,
        NoGo,
        MaxPersons,
        NotifyPolice,
        ApprovalChain,
        CheckIn,
    )
}
"""Rule kind name -> class with ``parse(Reader)`` and ``check(RuleContext)``."""
