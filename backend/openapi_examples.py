"""Examples of request bodies in the OpenAPI document.

Litestar's schema reads a pydantic model's ``model_config["example"]``; pydantic's own
JSON schema reads ``json_schema_extra["examples"]``. One call fills both.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import ConfigDict


def example_config(first: dict[str, Any], *more: dict[str, Any]) -> ConfigDict:
    return cast(ConfigDict, {"example": first, "json_schema_extra": {"examples": [first, *more]}})
