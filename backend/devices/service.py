"""Devices of grid workers: a CouchDB user per device, bound to one grid database.

Registration and rotation return the password once; only CouchDB keeps its hash.
Every change re-applies the affected grid databases' ``_security`` at once, so a
revoked or moved device loses access on its very next request.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account, Role
from backend.accounts.passwords import hash_password_off_loop
from backend.accounts.service import display_names
from backend.devices.models import Device
from backend.errors import ConflictError, DomainError, NotFound
from backend.grids.models import Place, PlaceKind
from backend.hazards.models import Hazard
from backend.inspections.models import Inspection
from backend.sqltypes import utcnow
from sync.couch import CouchClient
from sync.ids import new_ulid
from sync.provisioning import Namespace, provision_grid_database

DEVICE_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """Shown once, at registration or rotation."""

    device_id: str
    grid_id: str
    couch_user: str
    password: str
    database: str


async def _grid(session: AsyncSession, grid_id: str) -> Place:
    grid = await session.get(Place, grid_id)
    if grid is None or grid.kind != PlaceKind.grid or not grid.couch_db:
        raise NotFound(f"no grid {grid_id!r}", [{"path": "/grid_id", "message": "no such grid"}])
    return grid


async def get_device(session: AsyncSession, device_id: str) -> Device:
    device = await session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    return device


async def _active(session: AsyncSession, device_id: str) -> Device:
    device = await get_device(session, device_id)
    if device.revoked_at is not None:
        raise ConflictError(f"device {device_id!r} was revoked")
    return device


async def _apply_security(session: AsyncSession, couch: CouchClient, *grid_ids: str) -> None:
    await session.flush()
    users = await device_users_by_grid(session)
    for grid_id in grid_ids:
        grid = await _grid(session, grid_id)
        assert grid.couch_db is not None
        await provision_grid_database(couch, grid.couch_db, users.get(grid_id, []))


async def register_device(
    session: AsyncSession,
    couch: CouchClient,
    namespace: Namespace,
    grid_id: str,
    device_id: str | None = None,
    label: str = "",
) -> IssuedCredentials:
    """Create the device's CouchDB user with a fresh password and give it its grid."""
    grid = await _grid(session, grid_id)
    device_id = device_id or f"t{new_ulid().lower()}"
    if not set(device_id) <= DEVICE_ID_CHARS or not 1 <= len(device_id) <= 64:
        message = "lowercase letters, digits, '-', '_' or '.', at most 64"
        raise DomainError(f"device id {device_id!r}: {message}",
                          [{"path": "/device_id", "message": message}])  # fmt: skip
    if await session.get(Device, device_id) is not None:
        raise ConflictError(f"device {device_id!r} exists")
    couch_user = namespace.device_user(device_id)
    password = secrets.token_urlsafe(18)
    await couch.put_user(couch_user, password)
    session.add(Device(id=device_id, grid_id=grid.id, couch_user=couch_user, label=label,
                       credential_hash=await hash_password_off_loop(password)))  # fmt: skip
    await _apply_security(session, couch, grid.id)
    return IssuedCredentials(device_id, grid.id, couch_user, password, grid.couch_db or "")


async def rotate_password(
    session: AsyncSession, couch: CouchClient, device_id: str
) -> IssuedCredentials:
    """A new password; the old one stops working at once."""
    device = await _active(session, device_id)
    grid = await _grid(session, device.grid_id)
    password = secrets.token_urlsafe(18)
    await couch.put_user(device.couch_user, password)
    device.credential_hash = await hash_password_off_loop(password)
    session.add(device)
    return IssuedCredentials(device.id, grid.id, device.couch_user, password, grid.couch_db or "")


async def move_device(
    session: AsyncSession, couch: CouchClient, device_id: str, grid_id: str
) -> Device:
    """Give the device another grid; the old grid's database closes to it at once and
    a ``purge`` document in the new one tells the tablet to drop the old data."""
    device = await _active(session, device_id)
    new_grid = await _grid(session, grid_id)
    old_grid_id = device.grid_id
    if old_grid_id == new_grid.id:
        return device
    device.grid_id = new_grid.id
    device.worker_account_id = None  # its worker belongs to the old grid
    session.add(device)
    await _apply_security(session, couch, old_grid_id, new_grid.id)
    await _purge(couch, new_grid, device.id, "moved")
    return device


async def assign_worker(session: AsyncSession, device_id: str, account_id: int | None) -> Device:
    """Hand the tablet to a grid worker of its grid (``None``: to nobody)."""
    device = await _active(session, device_id)
    if account_id is not None:
        await check_worker(session, device.grid_id, account_id)
    device.worker_account_id = account_id
    session.add(device)
    return device


async def check_worker(
    session: AsyncSession, grid_id: str, account_id: int, path: str = "/account_id"
) -> None:
    """Refuse an account that is not an active grid worker of ``grid_id`` (the error
    names the request field at ``path``)."""
    worker = await session.get(Account, account_id)
    if worker is None or worker.disabled or worker.role != Role.grid_worker:
        message = "not an active grid worker"
    elif worker.place_id != grid_id:
        message = f"works in {worker.place_id}, the tablet in {grid_id}"
    else:
        return
    raise DomainError(f"account {account_id}: {message}",
                      [{"path": path, "message": message}])  # fmt: skip


async def device_workers(session: AsyncSession, grid_id: str) -> dict[str, int | None]:
    """The grid worker carrying each tablet of the grid (``None``: nobody), by device."""
    query = select(Device.id, Device.worker_account_id).where(Device.grid_id == grid_id)
    return dict((await session.exec(query)).all())


async def worker_names(session: AsyncSession, devices: Sequence[Device]) -> dict[int, str]:
    return await display_names(session, [d.worker_account_id for d in devices])


async def revoke_device(session: AsyncSession, couch: CouchClient, device_id: str) -> Device:
    """Remove the device's CouchDB user and membership: its next request gets 401."""
    device = await get_device(session, device_id)
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        session.add(device)
    await couch.delete_user(device.couch_user)
    await _apply_security(session, couch, device.grid_id)
    await _purge(couch, await _grid(session, device.grid_id), device.id, "revoked")
    return device


async def _purge(couch: CouchClient, grid: Place, device_id: str, reason: str) -> None:
    assert grid.couch_db is not None
    await couch.ensure_docs(
        grid.couch_db,
        [{
            "_id": f"purge:{device_id}", "type": "purge", "schema_version": 1,
            "grid_id": grid.id, "device_id": device_id, "reason": reason,
            "issued_at": utcnow().isoformat(timespec="seconds"),
        }],
        keep=("issued_at",),
    )  # fmt: skip


async def list_devices(session: AsyncSession, grid_id: str | None = None) -> Sequence[Device]:
    query = select(Device).order_by(col(Device.grid_id), col(Device.id))
    if grid_id is not None:
        query = query.where(Device.grid_id == grid_id)
    return (await session.exec(query)).all()


async def last_reports(session: AsyncSession, device_ids: Collection[str]) -> dict[str, datetime]:
    """When the server last received a hazard or an inspection from each of these
    devices: a tablet that has gone quiet for days stands out on the devices page."""
    latest: dict[str, datetime] = {}
    for model in (Hazard, Inspection):
        query = (
            select(model.device_id, func.max(model.received_at))
            .where(col(model.device_id).in_(list(device_ids)))
            .group_by(model.device_id)
        )
        for device_id, at in (await session.exec(query)).all():
            if at is not None and (device_id not in latest or at > latest[device_id]):
                latest[device_id] = at
    return latest


async def register_demo_devices(
    session: AsyncSession, couch: CouchClient, namespace: Namespace, grids: Sequence[Place]
) -> list[IssuedCredentials]:
    """One demo tablet for each grid that has no device yet."""
    with_device = set((await session.exec(select(Device.grid_id))).all())
    return [
        await register_device(
            session, couch, namespace, grid.id, f"demo-{grid.id}", f"demo tablet {grid.name_en}"
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
