"""``/schema``: the OpenAPI reference rendered by a Swagger UI vendored from npm, so the
page works offline and runs no third-party script (the default viewers load from CDNs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

PAGE = Path(__file__).resolve().parent / "web" / "static" / "schema.html"


class VendoredSwaggerPage(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return PAGE.read_bytes()
