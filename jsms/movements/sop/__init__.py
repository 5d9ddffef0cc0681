"""SOP engine: why a movement is blocked, and what the SOPs require of it.

:mod:`.engine` evaluates a movement (start there), :mod:`.facts` holds the movement as the
engine sees it, :mod:`.policy` loads and validates the versioned TOML policies shipped in
``policies/``, :mod:`.rules` implements each rule kind, :mod:`.daylight` and :mod:`.geo` the
sun, curfew and distance sums they share.
"""

from jsms.movements.sop.engine import (
    FEDERAL,
    KINDS,
    PKT,
    SEVERITIES,
    Escort,
    Evaluation,
    FactsError,
    Finding,
    MovementFacts,
    Policy,
    PolicyError,
    PolicySet,
    RoutePoint,
    RouteSegment,
    Rule,
    Vehicle,
    default_policies,
    evaluate,
    load_policies,
    parse_policy,
)

__all__ = [
    "FEDERAL",
    "KINDS",
    "PKT",
    "SEVERITIES",
    "Escort",
    "Evaluation",
    "FactsError",
    "Finding",
    "MovementFacts",
    "Policy",
    "PolicyError",
    "PolicySet",
    "RoutePoint",
    "RouteSegment",
    "Rule",
    "Vehicle",
    "default_policies",
    "evaluate",
    "load_policies",
    "parse_policy",
]
