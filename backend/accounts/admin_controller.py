"""HTTP: supervisors and admins manage accounts (passwords shown once)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import require_role
from backend.accounts.management import (
    check_may_create,
    list_managed,
    managed_account,
    new_password,
    reset_password,
)
from backend.accounts.models import Account, AccountRead, Role
from backend.accounts.service import create_account
from backend.audit.service import actor_of, record
from backend.errors import RowId
from backend.openapi_examples import example_config


class NewAccount(BaseModel):
    model_config = example_config({
        "username": "wang.fang", "display_name": "王芳", "role": "grid_worker",
        "place_id": "donghu-01",
    })  # fmt: skip

    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    display_name: str = Field(default="", max_length=200)
    role: Role
    place_id: str | None = Field(default=None, max_length=64)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    """Left out: one is generated and shown once."""


class AccountWithPassword(BaseModel):
    account: AccountRead
    password: str | None
    """Shown only in this answer (``None`` when the caller chose it)."""


class AccountState(AccountRead):
    disabled: bool


def _state(account: Account) -> AccountState:
    return AccountState.model_validate(account, from_attributes=True)


async def _switch(
    session: AsyncSession, manager: Account, account_id: int, *, disabled: bool
) -> AccountState:
    target = await managed_account(session, manager, account_id)
    target.disabled = disabled
    if disabled:  # and enabling again revives none of the tokens it had
        target.end_sessions()
    session.add(target)
    action = "account.disable" if disabled else "account.enable"
    record(session, actor_of(manager), action, f"account:{target.username}")
    return _state(target)


class AccountController(Controller):
    path = "/api/accounts"
    tags = ("accounts",)
    guards = [require_role(Role.admin, Role.street_supervisor, Role.community_supervisor)]  # noqa: RUF012

    @get("/")
    async def index(
        self, session: NamedDependency[AsyncSession], account: NamedDependency[Account]
    ) -> list[AccountState]:
        """The caller and the accounts they manage."""
        return [_state(a) for a in await list_managed(session, account)]

    @post("/")
    async def create(
        self,
        data: JSONBody[NewAccount],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> AccountWithPassword:
        """Create an account of a lower role inside the caller's place (admins: any)."""
        await check_may_create(session, account, data.role, data.place_id)
        generated = None if data.password else new_password()
        created = await create_account(
            session, username=data.username, password=data.password or generated or "",
            role=data.role, display_name=data.display_name, place_id=data.place_id,
        )  # fmt: skip
        record(session, actor_of(account), "account.create", f"account:{created.username}",
               role=created.role, place_id=created.place_id)  # fmt: skip
        return AccountWithPassword(
            account=AccountRead.model_validate(created, from_attributes=True), password=generated
        )

    @post("/{account_id:int}/disable")
    async def disable(
        self,
        account_id: RowId,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> AccountState:
        """Sign-in and every token of the account stop working at once."""
        return await _switch(session, account, account_id, disabled=True)

    @post("/{account_id:int}/enable")
    async def enable(
        self,
        account_id: RowId,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> AccountState:
        return await _switch(session, account, account_id, disabled=False)

    @post("/{account_id:int}/password")
    async def reset(
        self,
        account_id: RowId,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> AccountWithPassword:
        """A new generated password, shown once."""
        target = await managed_account(session, account, account_id)
        password = await reset_password(target)
        session.add(target)
        record(session, actor_of(account), "account.password_reset", f"account:{target.username}")
        return AccountWithPassword(
            account=AccountRead.model_validate(target, from_attributes=True), password=password
        )
