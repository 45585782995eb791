"""HTTP: ``/mobile-schema/`` (index) and ``/mobile-schema/{version}/{type}.json``."""

from __future__ import annotations

import json

from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from pydantic import BaseModel

from backend.errors import NotFound
from backend.http_cache import cached_json
from sync.contract import load_schemas
from sync.contract.upgrade import CURRENT_VERSION

SCHEMA_JSON = "application/schema+json"
CACHE = "public, max-age=300"


class SchemaVersion(BaseModel):
    version: int
    types: list[str]
    schemas: list[str]


class SchemaIndex(BaseModel):
    current_version: int
    versions: list[SchemaVersion]


class MobileSchemaController(Controller):
    path = "/mobile-schema"
    tags = ("mobile-schema",)

    @get("/", responses={200: ResponseSpec(SchemaIndex, description="versions and their files")})
    async def index(self) -> Response[bytes]:
        schemas = load_schemas()
        body = {
            "current_version": CURRENT_VERSION,
            "versions": [
                {
                    "version": v,
                    "types": schemas.types(v),
                    "schemas": [
                        f"/mobile-schema/v{v}/{t}.json" for t in ["common", *schemas.types(v)]
                    ],
                }
                for v in schemas.versions
            ],
        }
        return cached_json(json.dumps(body).encode(), cache_control=CACHE)

    @get("/{version:str}/{filename:str}")
    async def schema(
        self,
        version: FromPath[str],
        filename: FromPath[str],
    ) -> Response[bytes]:
        files = load_schemas().files
        name = filename.removesuffix(".json")
        number = version.removeprefix("v")
        key = (int(number), name) if number.isdigit() and filename.endswith(".json") else None
        if key is None or key not in files:
            raise NotFound(f"no schema {version}/{filename}")
        return cached_json(files[key].body, SCHEMA_JSON, CACHE)
