"""What the identity API accepts and returns (never a hash or a secret)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from jsms.identity.roles import Role, Side
from jsms.schemas import CountryCode, Id, Name, OutModel, StrictModel, Username


class TokenRequest(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)
    totp_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")


class TokenOut(OutModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class AgencyIn(StrictModel):
    name: Name
    short_name: str = Field(min_length=2, max_length=40)
    side: Side
    country: CountryCode
    provinces: list[str] = Field(default_factory=list, max_length=10)
    districts: list[str] = Field(default_factory=list, max_length=200)


class AgencyOut(OutModel):
    id: str
    name: str
    short_name: str
    side: Side
    country: str
    provinces: list[str]
    districts: list[str]
    active: bool


class UserIn(StrictModel):
    username: Username
    display_name: Name
    agency_id: Id
    roles: list[Role] = Field(min_length=1, max_length=8)
    password: str = Field(min_length=12, max_length=200)
    clearance: int = Field(default=1, ge=0, le=3)
    person_id: Id | None = None


class UserOut(OutModel):
    id: str
    username: str
    display_name: str
    agency_id: str
    roles: list[Role]
    clearance: int
    active: bool
    locked_until: datetime | None
    second_factor: bool


class NewUserOut(UserOut):
    totp_uri: str | None = Field(
        default=None, description="shown once: load it into an authenticator app"
    )


class UserPatch(StrictModel):
    active: bool | None = None
    unlock: bool = False
    reset_second_factor: bool = False


class MeOut(OutModel):
    user_id: str
    username: str
    agency_id: str
    side: Side
    roles: list[Role]
    permissions: list[str]


class SessionOut(OutModel):
    id: str
    kind: str
    created_at: datetime
    expires_at: datetime
    client: str
