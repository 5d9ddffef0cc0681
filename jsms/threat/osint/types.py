"""Words that signal an attack, and which attack type they point to.

Types follow the project's importers: a suicide attack outranks the vehicle or bomb it used
(as GTD's 'suicide' flag does), a shooting with grenades is still an armed assault, and a
plain 'bombing' or 'blast' is an IED unless the text says car bomb or suicide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jsms.threat.osint.text import Span

__all__ = [
    "ATTACK_TYPES",
    "Cue",
    "choose_attack_type",
    "find_cues",
    "is_anaphoric",
    "is_generic",
]

ATTACK_TYPES = (
    "ied",
    "vbied",
    "suicide_attack",
    "armed_assault",
    "kidnapping",
    "rocket_grenade",
    "threat",
    "protest",
    "roadblock",
    "other",
)

_VEHICLE = (
    r"(?:vehicle|car|truck|van|motorcycle|motorbike|sedan|SUV|jeep|pick-?up|lorry|rickshaw|"
    r"minibus|tanker)s?"
)
_TYPED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        (
            "kidnapping",
            # 'the second abductee' is a person, not a kidnapping of its own
            r"\b(?:kidnap(?!ees?\b)\w*|abduct(?!ees?\b)\w*|taken\s+hostage|held\s+hostage|"
            r"hostage[- ]taking|(?:was|were|been)\s+seized(?!\s+(?:by\s+)?(?:police|security)))\b",
        ),
        (
            "suicide_attack",
            r"\bsuicide[- ](?:bomb\w*|blast\w*|attack(?!ers?\b)\w*|explosion|car[- ]bomb\w*|vest)|"
            r"\bblew\s+(?:himself|herself|themselves)\s+up\b|\bdetonated\s+(?:himself|herself)\b|"
            r"\bself[- ]detonat\w*|\bdetonated\s+(?:his|her)\s+(?:device|vest|explosives)\b",
        ),
        ("suicide_armed", r"\bsuicide\s+(?:attackers?|squad|commandos?)\b|\bfidayeen\b"),
        (
            "vbied",
            r"\bcar[- ]bomb\w*|\bvehicle[- ]borne\b|\bVBIED\b|"
            r"\bexplosives?[- ](?:laden|packed|filled|rigged)\s+"
            rf"{_VEHICLE}|"
            rf"\b{_VEHICLE}\s+(?:that\s+was\s+)?(?:full\s+of|packed\s+with|laden\s+with|"
            r"filled\s+with)\s+explosives|\bbomb\s+(?:exploded|went\s+off|was\s+planted)\s+in(?:side)?\s+"
            r"(?:a|the)\s+(?:parked\s+)?(?:car|vehicle|truck)|\brammed\s+(?:an?|his|her|the)\s+"
            r"(?:explosives?[- ]\w+\s+)?(?:vehicle|car|truck)",
        ),
        (
            "armed_assault",
            r"\bgunm[ae]n\b|\bopened\s+fire\b|\bopen(?:ed)?\s+firing\b|\bshot\s+(?:dead|at|and)\b|"
            r"\bshooting\b|\bgunfire\b|\bgun\s?fight\b|\bshoot-?out\b|\bstorm(?:ed|ing)\b|"
            r"\barmed\s+(?:men|assailants|attackers|militants|insurgents)\b|\bambush\w*\b|"
            r"\bindiscriminate\s+firing\b|\bfiring\s+incident\b|\bexchange\s+of\s+fire\b|"
            r"\bsniper\b|\btargeted\s+killing\b|\bgun\s+attack\b|\bbullet\s+(?:wounds?|injur\w+)\b|"
            r"\barmed\s+(?:motor-?bikers|motorcyclists|robbers|persons|individuals|suspects)\b|"
            r"\b(?:was|were)\s+shot\b|\bshot\s+(?:him|her|them)\b|"
            r"\bmurder(?:ed|s)?\b|\bstabb(?:ed|ing)\b|\b(?:hacked|beaten|bludgeoned)\s+to\s+death\b|"
            r"\blynch(?:ed|ing)\b|\bbehead(?:ed|ing)\b",
        ),
        ("rocket_grenade", r"\brockets?\b|\bgrenades?\b|\bRPGs?\b|\bmortars?\b"),
        (
            "ied",
            r"\bIEDs?\b|\bimprovised\s+explosive\b|\broadside\s+bomb\b|"
            r"\bbomb(?:s|ing|ings|ed)?\b(?![- ](?:disposal|proof|squad))|\bblasts?\b|"
            r"\bexplosions?\b|\bexploded\b|\bexplosive\s+devices?\b|\blandmines?\b|"
            r"\bremote[- ]controlled\b",
        ),
        (
            "threat",
            r"\bthreat(?:ening)?\s+(?:letter|call|message)s?\b|\bthreatened\s+to\b|"
            r"\bwarned\s+of\s+(?:an\s+)?(?:imminent\s+)?attack|\bhit\s+list\b|\bbomb\s+threat\b|"
            r"\b(?:threat|terror|security)\s+alert\b|"
            r"\b(?:possible|planned|potential|imminent|likely)\s+(?:\w+\s+){0,2}attacks?\b|"
            r"\battacks?[\"”’']?\s+(?:being\s+|were\s+being\s+)?planned\b|\bplanning\s+(?:\w+\s+){0,3}attacks?\b|"
            r"\b(?:foiled|thwarted|averted|uncovered|busted|disrupted)\s+(?:an?\s+|the\s+)?"
            r"(?:\w+\s+){0,2}(?:plot|plan|attack|attempt)s?\b|"
            r"\b(?:plot(?:s|ted|ting)?|plann(?:ed|ing))\s+to\s+(?:attack|kill|bomb|blow\s+up|kidnap|"
            r"abduct|target|assassinate)\b",
        ),
        ("protest", r"\bprotest(?:s|ed|ers|ing)?\b|\bdemonstrat(?:ion|ions|ors|ed)\b|\bsit-ins?\b"),
        (
            "roadblock",
            r"\bblock(?:ed|ing|ade)\s+(?:the\s+|a\s+)?(?:road|highway|KKH|Karakoram|route|motorway)|"
            r"\broad\s?blocks?\b|\bblockade\b",
        ),
        (
            "other",  # arson and drones: attacks the other types do not name
            r"\b(?:torched|set\s+(?:on\s+)?fire\s+to|set\s+ablaze|arson\s+attack|"
            r"drone\s+(?:strike|attack)s?)\b",
        ),
    )
)
_GENERIC = re.compile(
    r"\b(?:attack(?:ed|s|ing)?|assault(?:ed)?|targeted|struck|killed|killing|died|dead|deaths?|"
    r"lost\s+(?:their|his|her)\s+lives|(?:took|claimed|cost)\s+(?:\w+\s+){0,2}lives|martyred|"
    r"injured|wounded|injuring|wounding|slain|clash(?:es|ed)?|skirmish(?:es)?|brawl|scuffles?|"
    r"(?:threw|throw(?:ing)?|hurled|pelted)\s+stones)\b",
    re.I,
)
_NOT_AN_ATTACK = re.compile(
    r"(?i)\b(?:bowling|pace|spin|seam|heart|panic|cyber|verbal|scathing|blistering|batting)\s+"
    r"attack|\b(?:gunned\s+down|shot\s+dead|killed)\s+by\s+(?:the\s+)?(?:police|security\s+forces|"
    r"troops|army|soldiers|rangers)|\b(?:police|security\s+forces|troops|soldiers)\s+"
    r"(?:returned|opened)\s+fire|\bprotest(?:ed|s)?\s+(?:this|the|against\s+the\s+perceived)"
)
_PLOTTED = re.compile(
    r"(?i)\b(?:plot(?:s|ted|ting)?|plann(?:ed|ing))\s+to\s+"
    r"(?P<deed>(?:kidnap|abduct|bomb|blow\s+up|attack|kill)\w*)"
)
"""The deed a plot was to do ('a plot to kidnap'): the plot is a threat, not a kidnapping."""
_ANAPHOR = re.compile(
    r"(?i)\b(?:the|that|this|today's|yesterday's|sunday's|monday's|tuesday's|wednesday's|"
    r"thursday's|friday's|saturday's)\s+(?:[\w'’-]+\s+)?(?:attack|blast|bombing|explosion|incident|"
    r"assault|ambush|attackers?|bombers?|assailants?|gunm[ae]n|shooters?|kidnapping|abduction|shooting|"
    r"firing|convoy\s+attack|tragedy)\b"
)
_GENERIC_MENTION = re.compile(
    r"(?i)\b(?:in\s+the\s+past|previously|repeatedly|frequently|often|in\s+recent\s+years|"
    r"over\s+the\s+years|several\s+times|series\s+of|string\s+of|spate\s+of|surge\s+in|"
    r"(?:has|have)\s+(?:long|also)?\s*(?:been\s+)?targeted|has\s+long|such\s+attacks|these\s+attacks|"
    r"attacks\s+on\s+chinese|numerous|frequency\s+of|wave\s+of|history\s+of|become\s+more\s+frequent|"
    r"(?:several|many|multiple|recent|deadly|major|militant|terrorist)\s+(?:\w+\s+)?attacks|"
    r"time\s+and\s+again|again\s+and\s+again|on\s+several\s+occasions|from\s+time\s+to\s+time|"
    r"(?:kidnappings|abductions|bombings|killings|shootings|assassinations|ambushes),|"
    r"\b(?:were|are|was|is|have\s+been|has\s+been|remain)\s+(?:\w+\s+)?(?:common|rampant|"
    r"frequent|rare|widespread|routine|commonplace)\b)"
)


@dataclass(frozen=True)
class Cue:
    """An attack word; ``kind`` is an attack type, 'suicide_armed', or None for generic words."""

    span: Span
    kind: str | None


def _excluded_spans(clause: Span) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _NOT_AN_ATTACK.finditer(clause.text)]
    if "plot" in clause.text or "plann" in clause.text:
        spans += [(m.start("deed"), m.end("deed")) for m in _PLOTTED.finditer(clause.text)]
    return spans


_STEMS: dict[str | None, tuple[str, ...]] = {
    "kidnapping": ("kidnap", "abduct", "hostage", "seized"),
    "suicide_attack": ("suicide", "blew", "detonat", "self"),
    "suicide_armed": ("suicide", "fidayeen"),
    "vbied": ("car", "vehicle", "vbied", "explosive", "bomb", "rammed"),
    "armed_assault": (
        *("gun", "fir", "shot", "shoot", "storm", "armed", "ambush", "sniper", "killing"),
        *("bullet", "murder", "stabb", "death", "lynch", "behead"),
    ),
    "rocket_grenade": ("rocket", "grenade", "rpg", "mortar"),
    "ied": ("ied", "improvised", "bomb", "blast", "explo", "landmine", "remote"),
    "threat": ("threat", "warned", "hit", "alert", "attack", "plot", "plan", "foil", "thwart"),
    "protest": ("protest", "demonstrat", "sit-in"),
    "roadblock": ("block",),
    "other": ("torch", "fire", "ablaze", "arson", "drone"),
    None: (
        *("attack", "assault", "targeted", "struck", "kill", "died", "dead", "death", "lives"),
        *("martyr", "injur", "wound", "slain", "clash", "skirmish", "brawl", "scuffle", "stones"),
    ),
}
"""Letters every match of a kind's pattern contains: most clauses hold none of an attack
type's words, and a substring test is far cheaper than a scan with the pattern."""


def find_cues(clause: Span) -> list[Cue]:
    """Typed and generic attack words in a clause, skipping 'bowling attack' and the like."""
    excluded = _excluded_spans(clause)
    taken: list[tuple[int, int]] = []
    cues = []
    low = clause.text.lower()
    patterns = [*_TYPED, (None, _GENERIC)]
    for kind, pattern in patterns:
        if not any(stem in low for stem in _STEMS[kind]):
            continue
        for m in pattern.finditer(clause.text):
            inside = any(a <= m.start() < b for a, b in excluded)
            overlap = any(a < m.end() and m.start() < b for a, b in taken)
            if inside or overlap:
                continue
            taken.append((m.start(), m.end()))
            cues.append(Cue(clause.sub(m.start(), m.end()), kind))
    return sorted(cues, key=lambda c: c.span.start)


_PRIORITY = (
    "kidnapping",
    "suicide_attack",
    "vbied",
    "armed_assault",
    "suicide_armed",
    "rocket_grenade",
    "ied",
    "threat",
    "protest",
    "roadblock",
    "other",
)


def choose_attack_type(cues: list[Cue]) -> Cue | None:
    """The cue that decides the type: kidnapping > suicide > VBIED > armed > ... > protest.

    Attackers 'with suicide vests' who storm a building are an armed assault; that is why
    'suicide_armed' only decides when no shooting words are present.
    """
    by_kind: dict[str, Cue] = {}
    for cue in cues:
        if cue.kind is not None:
            by_kind.setdefault(cue.kind, cue)
    explosive = "vbied" in by_kind or "ied" in by_kind
    if "suicide_armed" in by_kind and explosive and "armed_assault" not in by_kind:
        return Cue(by_kind["suicide_armed"].span, "suicide_attack")  # a suicide car bomber
    for kind in _PRIORITY:
        if kind in by_kind:
            cue = by_kind[kind]
            return Cue(cue.span, "suicide_attack") if kind == "suicide_armed" else cue
    return None


def is_anaphoric(clause: Span) -> bool:
    """True when the clause points back to an attack already named ('the attack', 'the blast')."""
    return bool(_ANAPHOR.search(clause.text))


def is_generic(clause: Span) -> bool:
    """True for talk about attacks in general ('attacks have become more frequent')."""
    return bool(_GENERIC_MENTION.search(clause.text))
