"""Device registration: a CouchDB user per device, bound to its grid."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.devices.models import Device
from backend.grids.models import Place
from sync.couch import CouchClient
from sync.provisioning import Namespace


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """Shown once, at registration; only CouchDB keeps (a hash of) the password."""

    device_id: str
    grid_id: str
    couch_user: str
    password: str
    database: str


async def register_device(
    session: AsyncSession,
    couch: CouchClient,
    namespace: Namespace,
    grid: Place,
    device_id: str,
    label: str = "",
) -> IssuedCredentials:
    """Create the device's CouchDB user with a fresh password and record the device."""
    couch_user = namespace.device_user(device_id)
    password = secrets.token_urlsafe(18)
    await couch.put_user(couch_user, password)
    session.add(Device(id=device_id, grid_id=grid.id, couch_user=couch_user, label=label))
    await session.flush()
    return IssuedCredentials(device_id, grid.id, couch_user, password, grid.couch_db or "")


async def register_demo_devices(
    session: AsyncSession, couch: CouchClient, namespace: Namespace, grids: Sequence[Place]
) -> list[IssuedCredentials]:
    """One demo tablet for each grid that has no device yet."""
    with_device = set((await session.exec(select(Device.grid_id))).all())
    return [
        await register_device(
            session, couch, namespace, grid, f"demo-{grid.id}", f"demo tablet {grid.name_en}"
        )
        for grid in grids
        if grid.id not in with_device
    ]


async def device_users_by_grid(session: AsyncSession) -> dict[str, list[str]]:
    """Active (not revoked) CouchDB users of each grid."""
    query = select(Device.grid_id, Device.couch_user).where(col(Device.revoked_at).is_(None))
    users: dict[str, list[str]] = defaultdict(list)
    for grid_id, couch_user in (await session.exec(query)).all():
        users[grid_id].append(couch_user)
    return dict(users)
