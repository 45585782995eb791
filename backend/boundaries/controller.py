"""HTTP: boundary versions (import, problems as GeoJSON, activation) and grid GeoJSON."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import admin_only, require_role
from backend.accounts.models import Account, Role
from backend.audit.service import actor_of, record
from backend.boundaries import service
from backend.boundaries.models import BoundaryVersionRead
from backend.grids.fence import load_grid_index
from backend.http_cache import cached_json
from backend.replication.provision import provision_grids_in
from backend.replication.verdict_refresh import refresh_hazard_verdicts
from backend.runtime import Runtime

readers = require_role(Role.admin, Role.street_supervisor)


class Activation(BaseModel):
    force: bool = False
    reason: str = Field(default="", max_length=500)


class ActivationResult(BaseModel):
    version: BoundaryVersionRead
    databases_created: int
    recheck: dict[str, Any]


def _read(version: object) -> BoundaryVersionRead:
    return BoundaryVersionRead.model_validate(version, from_attributes=True)


class BoundaryController(Controller):
    path = "/api/boundaries"
    tags = ("boundaries",)

    @get("/", guards=[readers])
    async def list(self, session: NamedDependency[AsyncSession]) -> list[BoundaryVersionRead]:
        return [_read(v) for v in await service.list_versions(session)]

    @post("/", guards=[admin_only])
    async def upload(
        self,
        data: JSONBody[dict[str, Any]],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        label: Annotated[str, QueryParameter(min_length=1, max_length=200)] = "upload",
    ) -> BoundaryVersionRead:
        """Import a GeoJSON FeatureCollection as a new, inactive version."""
        version = await service.import_boundaries(session, data, label)
        record(session, actor_of(account), "boundary.import", f"boundary_version:{version.id}",
               label=label, problems=version.problem_counts)  # fmt: skip
        return _read(version)

    @get("/{version_id:int}/problems", guards=[readers])
    async def problems(
        self,
        version_id: FromPath[int],
        session: NamedDependency[AsyncSession],
        request: Request[Any, Any, Any],
    ) -> Response[bytes]:
        """The validation report as GeoJSON, for the map's problem layer."""
        version = await service.get_version(session, version_id)
        return cached_json(request, json.dumps(version.problems).encode())

    @post("/{version_id:int}/activate", guards=[admin_only], status_code=200)
    async def activate(
        self,
        version_id: FromPath[int],
        data: JSONBody[Activation],
        session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
        account: NamedDependency[Account],
    ) -> ActivationResult:
        version = await service.activate(
            session, version_id, runtime.namespace, force=data.force, reason=data.reason
        )
        record(session, actor_of(account), "boundary.activate", f"boundary_version:{version_id}",
               reason=data.reason, forced=version.forced)  # fmt: skip
        created = await provision_grids_in(session, runtime.couch)
        recheck = await service.recheck_hazards(session, await load_grid_index(session))
        rewritten = await refresh_hazard_verdicts(session, runtime.couch, recheck.changed)
        return ActivationResult(
            version=_read(version),
            databases_created=created,
            recheck={**recheck.summary(), "verdicts_rewritten": rewritten},
        )
