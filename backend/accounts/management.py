"""Who may manage which accounts: admins all; a supervisor the accounts of lower roles
bound to places inside their own place (a street supervisor creates community
supervisors and grid workers of the street)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account, Role
from backend.accounts.passwords import hash_password_off_loop
from backend.accounts.service import places_under
from backend.errors import DomainError, NotFound

RANK = {Role.admin: 3, Role.street_supervisor: 2, Role.community_supervisor: 1,
        Role.grid_worker: 0}  # fmt: skip


def new_password() -> str:
    return secrets.token_urlsafe(12)


async def managed_places(session: AsyncSession, manager: Account) -> set[str] | None:
    """Places whose accounts ``manager`` may manage; ``None``: every place."""
    return None if manager.role == Role.admin else await places_under(session, manager.place_id)


def may_manage(manager: Account, role: Role, place_id: str | None, places: set[str] | None) -> bool:
    if places is None:
        return True
    return RANK[role] < RANK[manager.role] and place_id is not None and place_id in places


async def check_may_create(
    session: AsyncSession, manager: Account, role: Role, place_id: str | None
) -> None:
    if not may_manage(manager, role, place_id, await managed_places(session, manager)):
        message = "you may create only lower roles inside your own place"
        raise DomainError(message, [{"path": "/role", "message": message}])


async def managed_account(session: AsyncSession, manager: Account, account_id: int) -> Account:
    """The account, or 404 when it does not exist or is not the manager's to manage."""
    account = await session.get(Account, account_id)
    places = await managed_places(session, manager)
    if (
        account is None
        or account.id == manager.id
        or not may_manage(manager, account.role, account.place_id, places)
    ):
        raise NotFound(f"no account {account_id}")
    return account


async def list_managed(session: AsyncSession, manager: Account) -> Sequence[Account]:
    places = await managed_places(session, manager)
    rows = (await session.exec(select(Account).order_by(col(Account.username)))).all()
    return [
        a for a in rows if a.id == manager.id or may_manage(manager, a.role, a.place_id, places)
    ]


async def reset_password(account: Account) -> str:
    password = new_password()
    account.password_hash = await hash_password_off_loop(password)
    account.end_sessions()
    return password
