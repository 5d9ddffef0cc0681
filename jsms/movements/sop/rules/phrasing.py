"""How rule messages write counts and durations, so every rule reads alike (local times:
:mod:`jsms.movements.sop.local_time`)."""

from __future__ import annotations

from datetime import timedelta

from jsms.movements.sop.facts import Vehicle

__all__ = ["duration", "plural", "required", "vehicle_name"]


def plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def duration(span: timedelta) -> str:
    minutes = round(abs(span).total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def required(count: int) -> str:
    return f"{count} {'is' if count == 1 else 'are'} required"


def vehicle_name(vehicle: Vehicle, position: int) -> str:
    return vehicle.label or f"vehicle {position + 1}"
