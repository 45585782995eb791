"""HTTP (tablets): ``GET /api/field/device`` — what this tablet is now. The field app asks
when its grid database refuses it: a tablet moved to another grid learns its new database
(its credentials work there), a revoked tablet learns that it must erase what it holds.

A tablet proves itself with its CouchDB credentials (HTTP Basic, exactly as to CouchDB),
checked by CouchDB's own ``_session``: this service never holds device passwords. A
revoked tablet's CouchDB user is gone; it proves itself against the hash of the password
it last held, and only then hears "revoked" (which makes it erase what it holds): nobody
else can make a tablet erase itself.

``POST /api/field/enrol`` exchanges the single-use code of a registration's QR code for
the tablet's credentials (a fresh password of its own).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.controller import Unauthenticated
from backend.audit.service import record
from backend.couch_proxy.upstream import upstream_headers
from backend.devices.enrolment import exchange_enrol_code, proves_revocation
from backend.devices.models import Device
from backend.grids.models import Place
from backend.http_basic import basic_credentials, client_address
from backend.openapi_examples import example_config
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
        name, password = basic_credentials(request.headers.get("authorization", "")) or ("", "")
        if not await proves_revocation(device, name, password):
            raise Unauthenticated("these are not this tablet's credentials")
        return DeviceStatus(device_id=device.id, status="revoked", revoked_at=device.revoked_at)
    user = await _couch_user(request, runtime)
    if device is None or user is None or user != device.couch_user:
        raise Unauthenticated("these are not this tablet's credentials")
    grid = await session.get(Place, device.grid_id)
    return DeviceStatus(device_id=device.id, status="active", grid_id=device.grid_id,
                        database=grid.couch_db if grid else None)  # fmt: skip


class EnrolRequest(BaseModel):
    model_config = example_config({"code": "kQ2v7m1Xh0c9yPzR4sTbWnLe5aUiOfGj"})

    code: str = Field(min_length=16, max_length=100)
    """From the registration's QR code (``/field/#enrol=<code>``)."""
    device_id: str | None = Field(default=None, max_length=100)
    """Sent by a tablet already set up (its password was changed): a code for another
    device is then refused with 409 and stays unused."""


class Enrolment(BaseModel):
    """What the field app keeps: where it replicates and as whom."""

    device_id: str
    grid_id: str
    database: str
    username: str
    password: str


@post("/api/field/enrol", exclude_from_auth=True, tags=["field"], status_code=200)
async def field_enrol(
    data: JSONBody[EnrolRequest],
    session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
) -> Enrolment:
    """The tablet's credentials for a set-up code, once (410 for a used, expired or unknown
    code; 409, the code unused, when the tablet names another device); the device's
    password is new from now on."""
    issued = await exchange_enrol_code(session, runtime.couch, data.code, data.device_id)
    record(session, f"device:{issued.device_id}", "device.enrol", issued.device_id)
    return Enrolment(device_id=issued.device_id, grid_id=issued.grid_id,
                     database=issued.database, username=issued.couch_user,
                     password=issued.password)  # fmt: skip


async def _couch_user(request: Request[Any, Any, Any], runtime: Runtime) -> str | None:
    authorization = request.headers.get("authorization", "")
    """The CouchDB user these Basic credentials sign in as, by CouchDB's own check."""
    if not authorization.lower().startswith("basic ") or runtime.couch_proxy is None:
        return None
    headers = upstream_headers({"authorization": authorization, "accept": "application/json"},
                               client_address(request))  # fmt: skip
    try:
        answer = await runtime.couch_proxy.get("/_session", headers=headers)
    except httpx.TransportError as exc:
        raise CouchUnavailable("unavailable", repr(exc)) from exc
    if answer.status_code != 200:
        return None
    name = (answer.json().get("userCtx") or {}).get("name")
    return name if isinstance(name, str) else None
