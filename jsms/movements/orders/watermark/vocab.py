"""Equivalent phrasings of the same fact: the raw material of the per-recipient watermark.

Every function returns a tuple of options that a security officer reads as the same fact
("06:30", "0630 hrs", "6:30 am"). The first option is the house style. Options are chosen so
that they stay at least two edits apart after :func:`.text.normalise`
(case, punctuation and look-alike characters removed), otherwise retyping could turn one into
another; :func:`distinct_enough` checks that, and the tracer ignores slots that fail it.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, time

from jsms.movements.orders.watermark.text import edit_distance, normalise

__all__ = [
    "ROAD_ALIASES",
    "bearing_options",
    "count_options",
    "date_options",
    "distance_options",
    "distinct_enough",
    "duration_options",
    "number_options",
    "number_word",
    "phone_options",
    "product",
    "road_options",
    "time_options",
]

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

ROAD_ALIASES: tuple[tuple[str, ...], ...] = (
    ("N-35", "Karakoram Highway", "KKH"),
    ("N-5", "National Highway"),
    ("M-9", "Karachi-Hyderabad Motorway"),
    ("M-2", "Lahore-Islamabad Motorway"),
    ("M-1", "Islamabad-Peshawar Motorway"),
    ("N-25", "RCD Highway"),
    ("N-55", "Indus Highway"),
    ("Shahrah-e-Faisal", "Sharea Faisal"),
)
"""Names that mean one road. Only unambiguous, locally current names are listed."""

_BEARINGS = {
    "n": ("north", "N"),
    "ne": ("north-east", "NE"),
    "e": ("east", "E"),
    "se": ("south-east", "SE"),
    "s": ("south", "S"),
    "sw": ("south-west", "SW"),
    "w": ("west", "W"),
    "nw": ("north-west", "NW"),
}
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def number_word(n: int) -> str | None:
    """English words for 0-99, else None."""
    if 0 <= n < 20:
        return _UNITS[n]
    if 20 <= n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens - 2] + (f"-{_UNITS[unit]}" if unit else "")
    return None


def number_options(n: int) -> tuple[str, ...]:
    """``("6", "six", "six (6)")``; digits only when there is no short word."""
    word = number_word(n)
    return (str(n), word, f"{word} ({n})") if word else (str(n),)


def count_options(n: int, noun: str, plural: str | None = None) -> tuple[str, ...]:
    """``("1 vehicle", "one vehicle", "one (1) vehicle")``: a count with its noun agreeing."""
    word = noun if n == 1 else (plural or noun + "s")
    return tuple(f"{number} {word}" for number in number_options(n))


def time_options(t: time) -> tuple[str, ...]:
    """24-hour, military and 12-hour forms of one local time."""
    options = [f"{t:%H:%M}", f"{t:%H%M} hrs", f"{t:%H:%M} hours"]
    if t.hour != 0:  # 12:30 am confuses people; leave midnight hours out
        hour = t.hour if t.hour <= 12 else t.hour - 12
        options.append(f"{hour}:{t:%M} {'am' if t.hour < 12 else 'pm'}")
    return tuple(options)


def date_options(d: date) -> tuple[str, ...]:
    return (
        f"{d.day} {d:%b %Y}",
        f"{d.day} {d:%B %Y}",
        f"{_WEEKDAYS[d.weekday()]} {d.day} {d:%B %Y}",
        d.isoformat(),
    )


def _km(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def distance_options(km: float, *, approximate: bool = True) -> tuple[str, ...]:
    """``approx. 42 km`` / ``about 42 kilometres``...; exact distances get unit variants only."""
    number = _km(km)
    units = [f"{number} km", f"{number} {'kilometre' if km == 1 else 'kilometres'}"]
    if km == int(km) and (word := number_word(int(km))) and km > 1:
        units.append(f"{word} kilometres")
    if not approximate:
        return tuple(units)
    return tuple(f"{qualifier} {unit}" for unit in units[:2] for qualifier in ("approx.", "about"))


def duration_options(minutes: int) -> tuple[str, ...]:
    """``("2 h 10 min", "130 minutes", "2 hours 10 minutes")``: one span, nouns agreeing."""
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        digits, *words = count_options(rest, "minute")
        return (f"{rest} min", digits, *words[:1])
    in_minutes = count_options(minutes, "minute")[0]
    spelt = count_options(hours, "hour")[0]
    if rest == 0:
        return (f"{hours} h", in_minutes, spelt)
    return (f"{hours} h {rest} min", in_minutes, f"{spelt} {count_options(rest, 'minute')[0]}")


def bearing_options(bearing: str) -> tuple[str, ...]:
    """``north-east`` / ``NE`` for any spelling of the eight compass points."""
    key = re.sub(r"[^a-z]", "", bearing.lower())
    key = {
        "north": "n",
        "northeast": "ne",
        "east": "e",
        "southeast": "se",
        "south": "s",
        "southwest": "sw",
        "west": "w",
        "northwest": "nw",
    }.get(key, key)
    return _BEARINGS.get(key, (bearing,))


def road_options(name: str) -> tuple[str, ...] | None:
    """All names of a known road if ``name`` is one of them, else None."""
    key = normalise(name)
    for aliases in ROAD_ALIASES:
        if any(normalise(alias) == key for alias in aliases):
            return aliases
    return None


def phone_options(number: str) -> tuple[str, ...]:
    """International and national forms of a Pakistani number (``+92 300 ...``/``0300 ...``)."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("0092"):
        digits = digits[2:]
    if digits.startswith("92") and number.strip().startswith(("+", "00")):
        national = digits[2:]
    elif digits.startswith("0") and not digits.startswith("00"):
        national = digits[1:]
    else:
        return (number,)
    if len(national) < 9 or len(national) > 10:
        return (number,)
    if national.startswith("3"):  # mobile: 3xx xxxxxxx
        area, rest = national[:3], national[3:]
    else:
        area_len = 2 if national[:2] in {"21", "22", "42", "51", "61", "81", "91"} else 3
        area, rest = national[:area_len], national[area_len:]
    return (f"+92 {area} {rest}", f"0{area} {rest}")


def product(*option_sets: tuple[str, ...], sep: str = " ") -> tuple[str, ...]:
    """Every combination of adjacent choices as one slot, so no two slots touch."""
    return tuple(sep.join(parts) for parts in itertools.product(*option_sets))


def distinct_enough(options: tuple[str, ...], minimum: int = 2) -> bool:
    """True if every pair of options stays ``minimum`` edits apart after normalisation."""
    forms = [normalise(o) for o in options]
    return (
        all(edit_distance(a, b) >= minimum for a, b in itertools.combinations(forms, 2))
        and len(forms) > 1
    )
