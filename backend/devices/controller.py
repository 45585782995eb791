"""HTTP (admins): register, list, rotate, move and revoke tablets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import admin_only
from backend.accounts.models import Account
from backend.audit.service import actor_of, record
from backend.devices import service
from backend.devices.enrolment import issue_enrol_code
from backend.devices.models import Device, DeviceRead
from backend.openapi_examples import example_config
from backend.runtime import Runtime


class Registration(BaseModel):
    model_config = example_config(
        {"grid_id": "donghu-01", "label": "王芳的平板 Wang Fang's tablet"})  # fmt: skip

    grid_id: str = Field(min_length=1, max_length=64)
    device_id: str | None = Field(default=None, min_length=1, max_length=64)
    label: str = Field(default="", max_length=200)
    worker_account_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    """The grid worker (an account of this grid) who carries it."""


class Move(BaseModel):
    model_config = example_config({"grid_id": "donghu-02"})

    grid_id: str = Field(min_length=1, max_length=64)


class WorkerAssignment(BaseModel):
    model_config = example_config({"account_id": 7})

    account_id: int | None = Field(ge=1, le=2**31 - 1)
    """A grid worker of the tablet's grid; ``null`` takes the tablet from its worker."""


class DeviceCredentials(BaseModel):
    """Returned once: the password is not stored by this service."""

    device_id: str
    grid_id: str
    couch_url: str
    database: str
    username: str
    password: str
    enrol_path: str
    """Opens the field app (/field/) and sets it up for this tablet: the QR code's content.
    Its code works once, within three days; a new one comes with each new password."""


async def _credentials(
    session: AsyncSession, runtime: Runtime, issued: service.IssuedCredentials
) -> DeviceCredentials:
    """The credentials (shown once) and a set-up code for the field app: single-use and
    expiring, exchanged for a password of the tablet's own (it holds no password)."""
    code = await issue_enrol_code(session, issued.device_id)
    return DeviceCredentials(
        device_id=issued.device_id,
        grid_id=issued.grid_id,
        couch_url=runtime.couch_public_url,
        database=issued.database,
        username=issued.couch_user,
        password=issued.password,
        enrol_path=f"/field/#enrol={code}",
    )


def _read(device: object) -> DeviceRead:
    return DeviceRead.model_validate(device, from_attributes=True)


async def _reads(session: AsyncSession, devices: Sequence[Device]) -> list[DeviceRead]:
    """With each tablet's worker and its last report."""
    names = await service.worker_names(session, devices)
    latest = await service.last_reports(session, [d.id for d in devices])
    return [
        _read(d).model_copy(update={"last_report_at": latest.get(d.id),
                                    "worker_name": names.get(d.worker_account_id or 0)})
        for d in devices
    ]  # fmt: skip


class DeviceController(Controller):
    path = "/api/devices"
    tags = ("devices",)
    guards = [admin_only]  # noqa: RUF012

    @get("/")
    async def list(
        self,
        session: NamedDependency[AsyncSession],
        grid_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> list[DeviceRead]:
        return await _reads(session, await service.list_devices(session, grid_id))

    @post("/")
    async def register(
        self,
        data: JSONBody[Registration],
        session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
        account: NamedDependency[Account],
    ) -> DeviceCredentials:
        if data.worker_account_id is not None:  # before a CouchDB user exists
            await service.check_worker(session, data.grid_id, data.worker_account_id,
                                       path="/worker_account_id")  # fmt: skip
        issued = await service.register_device(
            session, runtime.couch, runtime.namespace, data.grid_id, data.device_id, data.label
        )
        if data.worker_account_id is not None:
            await service.assign_worker(session, issued.device_id, data.worker_account_id)
        record(session, actor_of(account), "device.register", issued.device_id,
               grid_id=issued.grid_id, worker_account_id=data.worker_account_id)  # fmt: skip
        return await _credentials(session, runtime, issued)

    @post("/{device_id:str}/worker", status_code=200)
    async def assign(
        self,
        device_id: FromPath[str],
        data: JSONBody[WorkerAssignment],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> DeviceRead:
        """Hand the tablet to a grid worker of its grid, whose scorecard then counts it."""
        device = await service.assign_worker(session, device_id, data.account_id)
        record(session, actor_of(account), "device.worker", device_id,
               worker_account_id=data.account_id)  # fmt: skip
        return (await _reads(session, [device]))[0]

    @post("/{device_id:str}/rotate", status_code=200)
    async def rotate(
        self,
        device_id: FromPath[str],
        session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
        account: NamedDependency[Account],
    ) -> DeviceCredentials:
        issued = await service.rotate_password(session, runtime.couch, device_id)
        record(session, actor_of(account), "device.rotate", device_id)
        return await _credentials(session, runtime, issued)

    @post("/{device_id:str}/move", status_code=200)
    async def move(
        self,
        device_id: FromPath[str],
        data: JSONBody[Move],
        session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
        account: NamedDependency[Account],
    ) -> DeviceRead:
        device = await service.move_device(session, runtime.couch, device_id, data.grid_id)
        record(session, actor_of(account), "device.move", device_id, grid_id=data.grid_id)
        return _read(device)

    @post("/{device_id:str}/revoke", status_code=200)
    async def revoke(
        self,
        device_id: FromPath[str],
        session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
        account: NamedDependency[Account],
    ) -> DeviceRead:
        device = await service.revoke_device(session, runtime.couch, device_id)
        record(session, actor_of(account), "device.revoke", device_id)
        return _read(device)
