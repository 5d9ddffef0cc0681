"""Severity of one incident: attack type, casualties and foreign victims, computed at write time."""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = [
    "ATTACK_TYPE_ALIASES",
    "ATTACK_TYPE_WEIGHTS",
    "canonical_attack_type",
    "severity",
    "severity_array",
]

ATTACK_TYPE_WEIGHTS: dict[str, float] = {
    "vbied": 5.0,
    "suicide_attack": 5.0,
    "complex": 4.5,
    "hostage": 3.5,
    "kidnapping": 3.0,
    "ied": 3.0,
    "bombing": 3.0,
    "armed_assault": 2.5,
    "targeted_killing": 2.5,
    "rocket_grenade": 2.0,
    "indirect_fire": 2.0,
    "grenade": 2.0,
    "armed_clash": 2.0,
    "roadblock": 1.5,
    "sabotage": 1.5,
    "other": 1.5,
    "unknown": 1.5,
    "arson": 1.0,
    "unarmed_assault": 1.0,
    "riot": 0.7,
    "threat": 0.5,
    "protest": 0.3,
}
"""Base severity by canonical attack type, before casualties.

The keys include the incident vocabulary of :mod:`jsms.threat.importers` (``ied``, ``vbied``,
``suicide_attack``, ``armed_assault``, ``kidnapping``, ``rocket_grenade``, ``threat``,
``protest``, ``roadblock``, ``other``) plus finer types other sources use. Mass-casualty
methods that defeat protective measures (vehicle-borne IEDs, suicide attackers, complex attacks)
weigh most; kidnapping and hostage taking weigh more than an ordinary shooting because abduction
is the characteristic threat to foreign workers; protests and threats weigh least; an illegal
roadblock weighs like sabotage because it is where travellers are stopped and taken. Types not
listed count as ``"unknown"`` (1.5, like ``"other"``).
"""

ATTACK_TYPE_ALIASES: dict[str, str] = {
    # GTD attacktype1_txt
    "bombing_explosion": "bombing",
    "assassination": "targeted_killing",
    "hostage_taking_kidnapping": "kidnapping",
    "hostage_taking_barricade_incident": "hostage",
    "facility_infrastructure_attack": "sabotage",
    # ACLED sub_event_type
    "remote_explosive_landmine_ied": "ied",
    "suicide_bomb": "suicide_attack",
    "shelling_artillery_missile_attack": "indirect_fire",
    "air_drone_strike": "indirect_fire",
    "attack": "armed_assault",
    "abduction_forced_disappearance": "kidnapping",
    "peaceful_protest": "protest",
    "protest_with_intervention": "protest",
    "excessive_force_against_protesters": "protest",
    "violent_demonstration": "riot",
    "mob_violence": "riot",
    "government_regains_territory": "armed_clash",
    "non_state_actor_overtakes_territory": "armed_clash",
    # common spellings
    "svbied": "vbied",
    "car_bomb": "vbied",
    "vehicle_borne_ied": "vbied",
    "suicide": "suicide_attack",
    "suicide_bombing": "suicide_attack",
    "complex_attack": "complex",
    "explosion": "bombing",
    "landmine": "ied",
    "rocket": "indirect_fire",
    "mortar": "indirect_fire",
    "shooting": "armed_assault",
    "ambush": "armed_assault",
    "assault": "armed_assault",
    "murder": "targeted_killing",
    "abduction": "kidnapping",
    "barricade": "hostage",
    "clash": "armed_clash",
    "checkpoint": "roadblock",
    "illegal_checkpoint": "roadblock",
    "battle": "armed_clash",
    "demonstration": "protest",
    "strike": "protest",
    "threat_letter": "threat",
    "warning": "threat",
}
"""Normalised spellings (GTD, ACLED, free text) mapped to keys of :data:`ATTACK_TYPE_WEIGHTS`."""

KILLED_WEIGHT = 1.0
INJURED_WEIGHT = 0.5
FOREIGN_MULTIPLIER = 2.0
FOREIGN_WEIGHT = 1.0

_NON_WORD = re.compile(r"[^a-z0-9]+")


def canonical_attack_type(attack_type: str | None) -> str:
    """The key of :data:`ATTACK_TYPE_WEIGHTS` for an attack type as any source spells it.

    Lower-cases, joins words with ``_`` and applies :data:`ATTACK_TYPE_ALIASES`; anything not
    recognised is ``"unknown"``.

    Examples
    --------
    >>> canonical_attack_type("Bombing/Explosion")
    'bombing'
    >>> canonical_attack_type("Remote explosive/landmine/IED")
    'ied'
    >>> canonical_attack_type(None)
    'unknown'
    """
    if not attack_type:
        return "unknown"
    key = _NON_WORD.sub("_", attack_type.strip().lower()).strip("_")
    key = ATTACK_TYPE_ALIASES.get(key, key)
    return key if key in ATTACK_TYPE_WEIGHTS else "unknown"


def _count(value: int | float | None, what: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value}")
    return float(value)


def severity(
    attack_type: str | None,
    killed: int | None,
    injured: int | None,
    foreign_victims: int = 0,
) -> float:
    """Severity of one incident, computed once when it is written.

    ``severity = (base + 1.0 * ln(1 + killed) + 0.5 * ln(1 + injured)) * m + 1.0 * ln(1 + f)``

    where ``base`` is :data:`ATTACK_TYPE_WEIGHTS` of the (canonicalised) attack type, ``f`` is
    ``foreign_victims`` and ``m`` is 2 when ``f > 0``, else 1. Casualties count on a log scale so
    that one massacre does not outweigh a campaign of attacks; the first casualty adds 0.69
    (killed) or 0.35 (injured), the tenth much less. Incidents touching foreign nationals count
    double (plus a log term for their number) because protecting foreign workers is what JSMS
    is for, and such attacks signal intent and capability against them. Unknown counts (None or
    NaN) are taken as 0.

    Parameters
    ----------
    attack_type : str or None
        Any spelling :func:`canonical_attack_type` understands ("vbied", "Bombing/Explosion"...).
    killed, injured : int or None
        Casualties, attackers excluded.
    foreign_victims : int, default 0
        Foreign nationals among the victims or the evident targets (killed, injured, abducted or
        targeted); 1 for an attack aimed at foreigners even if nobody was hurt.

    Returns
    -------
    float
        A positive severity, roughly 0.3 (a protest) to 15 (a mass-casualty VBIED on foreigners).

    Examples
    --------
    >>> severity("armed_assault", 0, 0)
    2.5
    >>> round(severity("suicide_attack", 10, 20), 2)
    8.92
    >>> severity("vbied", 1, 0) > severity("protest", 1, 0)
    True
    >>> severity("armed_assault", 1, 0, foreign_victims=1) > 2 * severity("armed_assault", 1, 0)
    True
    """
    base = ATTACK_TYPE_WEIGHTS[canonical_attack_type(attack_type)]
    k = _count(killed, "killed")
    i = _count(injured, "injured")
    f = _count(foreign_victims, "foreign_victims")
    local = base + KILLED_WEIGHT * math.log1p(k) + INJURED_WEIGHT * math.log1p(i)
    if f > 0:
        return local * FOREIGN_MULTIPLIER + FOREIGN_WEIGHT * math.log1p(f)
    return local


def severity_array(
    base: np.ndarray, killed: np.ndarray, injured: np.ndarray, foreign: np.ndarray
) -> np.ndarray:
    """Vectorised :func:`severity` over arrays of base weights and non-negative counts."""
    local = base + KILLED_WEIGHT * np.log1p(killed) + INJURED_WEIGHT * np.log1p(injured)
    return np.where(
        foreign > 0, local * FOREIGN_MULTIPLIER + FOREIGN_WEIGHT * np.log1p(foreign), local
    )
