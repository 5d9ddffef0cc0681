"""Pydantic building blocks shared by the domain schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=2000)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{3,64}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class StrictModel(BaseModel):
    """Inputs reject unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class OutModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
