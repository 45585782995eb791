"""HTTP: boundary versions (import, problems as GeoJSON, activation) and grid GeoJSON."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody, QueryParameter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import admin_only, require_role
from backend.accounts.models import Account, Role
from backend.audit.service import actor_of, record
from backend.boundaries import service
from backend.boundaries.models import BoundaryVersionRead
from backend.boundaries.verdicts import refresh_hazard_verdicts
from backend.errors import RowId
from backend.grids.fence import load_grid_index
from backend.http_cache import GEOJSON, cached_json
from backend.openapi_examples import example_config
from backend.provisioning import provision_grids_in
from backend.runtime import Runtime
from backend.synced.verdicts import VerdictWriter

readers = require_role(Role.admin, Role.street_supervisor)


BOUNDARY_EXAMPLE = Example(
    summary="A street, a community and a grid (WGS-84, or set a datum property)",
    value={"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "demo-street", "kind": "street",
         "name_zh": "示范街道", "name_en": "Demo street"}, "geometry": {"type": "Polygon",
         "coordinates": [[[120.15, 30.27], [120.16, 30.27], [120.16, 30.282],
                          [120.15, 30.282], [120.15, 30.27]]]}},
        {"type": "Feature", "properties": {"id": "donghu", "kind": "community",
         "parent_id": "demo-street", "name_zh": "东湖社区", "name_en": "Donghu"},
         "geometry": {"type": "Polygon", "coordinates": [[[120.15, 30.27], [120.16, 30.27],
                      [120.16, 30.282], [120.15, 30.282], [120.15, 30.27]]]}},
        {"type": "Feature", "properties": {"id": "donghu-01", "kind": "grid",
         "parent_id": "donghu", "name_zh": "东湖一网格", "name_en": "Donghu grid 1"},
         "geometry": {"type": "Polygon", "coordinates": [[[120.15, 30.27], [120.16, 30.27],
                      [120.16, 30.282], [120.15, 30.282], [120.15, 30.27]]]}},
    ]},
)  # fmt: skip


class Activation(BaseModel):
    model_config = example_config(
        {"force": False}, {"force": True, "reason": "先启用，缝隙下周修正"})  # fmt: skip

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
        data: Annotated[dict[str, Any], Body(examples=[BOUNDARY_EXAMPLE])],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        label: Annotated[str, QueryParameter(min_length=1, max_length=200)] = "upload",
    ) -> BoundaryVersionRead:
        """Import a GeoJSON FeatureCollection as a new, inactive version."""
        version = await service.import_boundaries(session, data, label)
        record(session, actor_of(account), "boundary.import", f"boundary_version:{version.id}",
               label=label, problems=version.problem_counts)  # fmt: skip
        return _read(version)

    @get(
        "/{version_id:int}/problems",
        guards=[readers],
        media_type="application/geo+json",
        responses=GEOJSON,
    )
    async def problems(
        self,
        version_id: RowId,
        session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        """The validation report as GeoJSON, for the map's problem layer."""
        version = await service.get_version(session, version_id)
        return cached_json(json.dumps(version.problems).encode(), "application/geo+json")

    @get(
        "/{version_id:int}/repaired",
        guards=[readers],
        media_type="application/geo+json",
        responses=GEOJSON,
    )
    async def repaired(
        self,
        version_id: RowId,
        session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        """The version as a boundary file with each invalid shape replaced by its
        polygonal repair (same id); import it as a new version. Shapes that cannot be
        repaired are listed in ``not_repaired``."""
        collection = await service.repaired_collection(session, version_id)
        return cached_json(json.dumps(collection, ensure_ascii=False).encode(),
                           "application/geo+json")  # fmt: skip

    @post("/{version_id:int}/activate", guards=[admin_only], status_code=200)
    async def activate(
        self,
        version_id: RowId,
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
        rewritten = await refresh_hazard_verdicts(
            session, VerdictWriter(runtime.couch), recheck.changed
        )
        return ActivationResult(
            version=_read(version),
            databases_created=created,
            recheck={**recheck.summary(), "verdicts_rewritten": rewritten},
        )
