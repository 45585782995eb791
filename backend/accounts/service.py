"""Accounts: creation, sign-in, and the grids inside each account's jurisdiction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import PLACE_KIND_OF_ROLE, Account, Role
from backend.accounts.passwords import (
    hash_password_off_loop,
    verify_password_off_loop,
    weakness,
)
from backend.errors import ConflictError, DomainError
from backend.grids.models import Place


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    place_id: str | None = None,
) -> Account:
    weak = weakness(password, username, display_name)
    if weak is not None:
        raise DomainError(weak, [{"path": "/password", "message": weak}])
    wanted_kind = PLACE_KIND_OF_ROLE[role]
    place = await session.get(Place, place_id) if place_id else None
    if (place.kind if place else None) != wanted_kind:
        message = (
            f"a {role} is bound to a {wanted_kind}" if wanted_kind else "an admin has no place"
        )
        raise DomainError(message, [{"path": "/place_id", "message": message}])
    if await find_account(session, username) is not None:
        raise ConflictError(f"username {username!r} is taken")
    account = Account(
        username=username,
        display_name=display_name or username,
        role=role,
        place_id=place_id,
        password_hash=await hash_password_off_loop(password),
    )
    session.add(account)
    await session.flush()
    return account


async def find_account(session: AsyncSession, username: str) -> Account | None:
    return (await session.exec(select(Account).where(Account.username == username))).first()


async def authenticate(session: AsyncSession, username: str, password: str) -> Account | None:
    account = await find_account(session, username)
    ok = await verify_password_off_loop(account.password_hash if account else None, password)
    return account if ok and account is not None and not account.disabled else None


async def display_names(session: AsyncSession, ids: Collection[int | None]) -> dict[int, str]:
    """The display name of each account of ``ids`` (``None`` ignored)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(Account.id, Account.display_name).where(col(Account.id).in_(wanted))
    return {i: name for i, name in (await session.exec(query)).all() if i is not None}


async def jurisdiction_grid_ids(session: AsyncSession, account: Account) -> set[str] | None:
    """Grids the account may see; ``None`` means every grid (admins)."""
    if account.role == Role.admin:
        return None
    kinds = dict((await session.exec(select(Place.id, Place.kind))).all())
    return {p for p in await places_under(session, account.place_id) if kinds[p] == "grid"}


async def places_under(session: AsyncSession, place_id: str | None) -> set[str]:
    """The place and every place below it."""
    places = (await session.exec(select(Place.id, Place.parent_id))).all()
    children: dict[str | None, list[str]] = defaultdict(list)
    for child, parent in places:
        children[parent].append(child)
    found: set[str] = set()
    stack = [place_id] if place_id is not None else []
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found & {p for p, _ in places}
