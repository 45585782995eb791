"""Who may see a hazard: the caller's jurisdiction holds it, or it does not exist."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.errors import NotFound
from backend.hazards.models import Hazard


async def visible_hazard(
    session: AsyncSession,
    account: Account,
    hazard_id: str,
    *,
    lock: bool = False,
    deleted_too: bool = True,
) -> Hazard:
    """The hazard, or 404 as if absent (another jurisdiction's looks the same).
    ``lock`` holds its row until the transaction commits (PostgreSQL)."""
    hazard = await session.get(Hazard, hazard_id, with_for_update=lock)
    within = await jurisdiction_grid_ids(session, account)
    hidden = hazard is None or (within is not None and hazard.grid_id not in within)
    if hidden or (hazard is not None and hazard.deleted and not deleted_too):
        raise NotFound(f"no hazard {hazard_id!r}")
    assert hazard is not None
    return hazard
