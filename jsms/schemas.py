"""Pydantic building blocks shared by the domain schemas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=2000)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{3,64}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def nul_position(value: Any, where: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """Where a NUL character hides in `value` (a string, or nested in lists and dicts)."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return (*where, key)
        found = nul_position(item, (*where, key))
        if found is not None:
            return found
    return None


class StrictModel(BaseModel):
    """Inputs reject unknown fields, so a typo is an error rather than silently ignored.

    They also reject NUL characters in any text: PostgreSQL cannot store them, and no field
    has a use for one.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        where = nul_position(data)
        if where is not None:
            field = ".".join(str(part) for part in where) or "text"
            raise ValueError(f"{field}: NUL characters (\\u0000) are not allowed in text")
        return data


class PatchModel(StrictModel):
    """A partial update: a field left out keeps its value; only the fields in ``CLEARABLE``
    may be set to null (an explicit null elsewhere is an error, not a crash)."""

    CLEARABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> PatchModel:
        nulled = sorted(
            name for name in self.model_fields_set - self.CLEARABLE if getattr(self, name) is None
        )
        if nulled:
            raise ValueError(
                f"{', '.join(nulled)} cannot be null: leave the field out to keep its value"
            )
        return self


EARLIEST_PLAN = datetime(2000, 1, 1, tzinfo=UTC)
PLANNING_HORIZON = timedelta(days=5 * 366)


def _plannable(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("the time needs a timezone (e.g. +05:00 or Z)")
    latest = datetime.now(UTC) + PLANNING_HORIZON
    if not EARLIEST_PLAN <= value <= latest:
        raise ValueError(f"must lie between 2000-01-01 and {latest:%Y-%m-%d} (five years ahead)")
    return value


PlanTime = Annotated[datetime, AfterValidator(_plannable)]
"""A movement or escort time: timezone-aware and within the planning range."""


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
