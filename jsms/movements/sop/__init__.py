"""SOP engine: why a movement is blocked, and what the SOPs require of it.

:mod:`.engine` evaluates a movement (start there), :mod:`.facts` holds the movement as the
engine sees it, :mod:`.policy` loads and validates the versioned TOML policies shipped in
``policies/``, :mod:`.rules` implements each rule kind, :mod:`.daylight` and :mod:`.geo` the
sun, curfew and distance sums they share.
"""

from jsms.movements.sop.engine import Evaluation, Finding, evaluate
from jsms.movements.sop.facts import (
    FEDERAL,
    PKT,
    Escort,
    FactsError,
    MovementFacts,
    RoutePoint,
    RouteSegment,
    Vehicle,
)
from jsms.movements.sop.policy import (
    SEVERITIES,
    Policy,
    PolicyError,
    PolicySet,
    Rule,
    default_policies,
    load_policies,
    parse_policy,
)
from jsms.movements.sop.rules import KINDS

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
