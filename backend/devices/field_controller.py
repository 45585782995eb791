"""HTTP (tablets): ``GET /api/field/device`` — what this tablet is now. The field app asks
when its grid database refuses it: a tablet moved to another grid learns its new database
(its credentials work there), a revoked tablet learns that it must erase what it holds.

A tablet proves itself with its CouchDB credentials (HTTP Basic, exactly as to CouchDB),
checked by CouchDB's own ``_session``: this service never holds device passwords. A
revoked tablet's CouchDB user is gone, so it cannot prove itself any more; that a named
device was revoked is therefore told to anyone who asks — it means only "erase".
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.controller import Unauthenticated
from backend.couch_proxy.upstream import upstream_headers
from backend.devices.models import Device
from backend.grids.models import Place
from backend.runtime import Runtime
from sync.couch import CouchUnavailable


class DeviceStatus(BaseModel):
    device_id: str
    status: Literal["active", "revoked"]
    grid_id: str | None = None
    database: str | None = None
    """The grid database to replicate with (another one after a move)."""
    revoked_at: datetime | None = None


@get("/api/field/device", exclude_from_auth=True, tags=["field"])
async def field_device(
    request: Request[Any, Any, Any],
    session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
    device_id: Annotated[str, QueryParameter(min_length=1, max_length=64)],
) -> DeviceStatus:
    """This tablet's grid and database, or that it was revoked; 401 for credentials that
    are not this tablet's (the same answer for a device that does not exist)."""
    device = await session.get(Device, device_id)
    if device is not None and device.revoked_at is not None:
        return DeviceStatus(device_id=device.id, status="revoked", revoked_at=device.revoked_at)
    user = await _couch_user(request, runtime)
    if device is None or user is None or user != device.couch_user:
        raise Unauthenticated("these are not this tablet's credentials")
    grid = await session.get(Place, device.grid_id)
    return DeviceStatus(device_id=device.id, status="active", grid_id=device.grid_id,
                        database=grid.couch_db if grid else None)  # fmt: skip


async def _couch_user(request: Request[Any, Any, Any], runtime: Runtime) -> str | None:
    authorization = request.headers.get("authorization", "")
    """The CouchDB user these Basic credentials sign in as, by CouchDB's own check."""
    if not authorization.lower().startswith("basic ") or runtime.couch_proxy is None:
        return None
    headers = upstream_headers({"authorization": authorization, "accept": "application/json"},
                               request.client.host if request.client else None)  # fmt: skip
    try:
        answer = await runtime.couch_proxy.get("/_session", headers=headers)
    except httpx.TransportError as exc:
        raise CouchUnavailable("unavailable", repr(exc)) from exc
    if answer.status_code != 200:
        return None
    name = (answer.json().get("userCtx") or {}).get("name")
    return name if isinstance(name, str) else None
