"""An account: a person with one role, bound to one place of the hierarchy."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from backend.sqltypes import UTCDateTime, utcnow


class Role(StrEnum):
    admin = "admin"
    street_supervisor = "street_supervisor"
    community_supervisor = "community_supervisor"
    grid_worker = "grid_worker"


PLACE_KIND_OF_ROLE: dict[Role, str | None] = {
    Role.admin: None,
    Role.street_supervisor: "street",
    Role.community_supervisor: "community",
    Role.grid_worker: "grid",
}
"""Which kind of place each role is bound to (an admin to none)."""


class AccountBase(SQLModel):
    username: str = Field(unique=True, index=True, max_length=64)
    display_name: str = Field(max_length=200)
    role: Role = Field(sa_type=String(32))
    place_id: str | None = Field(default=None, foreign_key="place.id", max_length=64)


class Account(AccountBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=200)
    disabled: bool = False
    token_version: int = 0
    """In every token; bumped when a password is reset, the account disabled or its user
    signs out, so every token issued before stops working at once."""

    def end_sessions(self) -> None:
        """Every token issued to this account so far stops working."""
        self.token_version += 1

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AccountRead(AccountBase):
    id: int
