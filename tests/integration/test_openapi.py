"""The OpenAPI document covers every route, and every JSON request body has examples."""

from __future__ import annotations

from typing import Any

from backend.settings import Settings
from tests.integration.harness import running_app


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    resolved: dict[str, Any] = spec["components"]["schemas"][name]
    return resolved


async def test_every_route_is_documented_and_bodies_have_examples(
    sqlite_settings: Settings,
) -> None:
    async with running_app(sqlite_settings) as (client, _):
        response = await client.get("/schema/openapi.json")
        spec = response.json()
        upload = spec["paths"]["/api/boundaries"]["post"]["requestBody"]["content"]
        [example] = upload["application/json"]["schema"]["examples"]
        imported = await client.post("/api/boundaries?label=example", json=example)
        routes = {
            (method, route.path.replace(":str", "").replace(":int", ""))
            for route in client.app.routes
            for method in getattr(route, "methods", ())
            if method not in {"HEAD", "OPTIONS"} and route.path.startswith("/api")
        }
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert routes <= documented
    assert imported.status_code == 201, imported.text
    assert set(imported.json()["problem_counts"].values()) == {0}
    without_examples = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = _resolve(spec, body["schema"])
            if schema.get("type") == "array":
                schema = _resolve(spec, schema["items"])
            if not schema.get("examples") and not body.get("examples"):
                without_examples.append(f"{method.upper()} {path}")
    assert without_examples == []
