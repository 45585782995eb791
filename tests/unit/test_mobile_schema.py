"""The mobile schema: every schema documented, every example checked both ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.contract import check_worker_doc, load_schemas
from sync.contract.schemas import SCHEMA_ROOT
from sync.doctypes import SERVER_TYPES, WORKER_TYPES
from tests.helpers import hazard_doc

EXAMPLES = SCHEMA_ROOT / "examples"
EXPECTED: dict[str, str] = json.loads((EXAMPLES / "expected-errors.json").read_text())


def _examples(kind: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"v*/{kind}/*.json"))


def _schema_type(path: Path) -> str:
    return path.stem.split("__")[0]


def _error_paths(path: Path) -> list[str]:
    schemas = load_schemas()
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc_type = _schema_type(path)
    if doc_type in WORKER_TYPES:
        return [e["path"] for e in check_worker_doc(schemas, doc).errors]
    version = int(path.parent.parent.name[1:])
    return [e["path"] for e in schemas.errors(doc, version, doc_type)]


@pytest.mark.parametrize("path", _examples("valid"), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_valid_examples_pass(path: Path) -> None:
    assert _error_paths(path) == []


@pytest.mark.parametrize("path", _examples("invalid"), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_invalid_examples_fail_for_the_rule_their_name_gives(path: Path) -> None:
    key = str(path.relative_to(EXAMPLES))
    assert key in EXPECTED, f"{key} needs its expected error path in expected-errors.json"
    assert EXPECTED[key] in _error_paths(path)


def test_every_expected_error_has_its_example() -> None:
    for key in EXPECTED:
        assert (EXAMPLES / key).exists(), key


def test_every_document_type_has_examples_both_ways() -> None:
    schemas = load_schemas()
    for version in schemas.versions:
        for doc_type in schemas.types(version):
            for kind in ("valid", "invalid"):
                found = list((EXAMPLES / f"v{version}" / kind).glob(f"{doc_type}*.json"))
                assert found, f"no {kind} example of v{version} {doc_type}"
    assert set(schemas.types(1)) == WORKER_TYPES | SERVER_TYPES


def _properties(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", prop
        for key, child in node.items():
            if key != "properties":
                yield from _properties(child, f"{where}/{key}")
        for name, prop in node.get("properties", {}).items():
            yield from _properties(prop, f"{where}/properties/{name}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _properties(child, f"{where}/{i}")


def test_every_schema_has_id_title_and_a_description_on_every_property() -> None:
    for file in load_schemas().files.values():
        assert file.schema["$id"].endswith(f"/v{file.version}/{file.name}.json")
        assert file.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert file.schema.get("title")
        assert file.schema.get("description")
        for where, prop in _properties(file.schema, file.name):
            assert isinstance(prop, dict), where
            assert prop.get("description"), f"{where} has no description"


def test_every_string_and_array_is_bounded() -> None:
    """Strings need maxLength, pattern, enum or const; arrays need maxItems."""
    for file in load_schemas().files.values():
        for where, prop in _properties(file.schema, file.name):
            types = prop.get("type")
            types = types if isinstance(types, list) else [types]
            if "string" in types and types != ["string", "number", "boolean"]:
                bounded = {"maxLength", "pattern", "enum", "const"} & prop.keys()
                assert bounded, f"{where}: unbounded string"
            if "array" in types:
                assert "maxItems" in prop, f"{where}: unbounded array"


@pytest.mark.parametrize(("created_at", "message"), [
    ("2026-11-20T09:30:00", "with its UTC offset"),  # no offset: the pattern says it
    ("2026-13-45T09:30:00+08:00", "is not a valid date-time"),  # shaped right, no such day
])  # fmt: skip
def test_a_bad_timestamp_is_one_error_and_nothing_else(created_at: str, message: str) -> None:
    doc = {**hazard_doc(device_id="d1", author="u", grid_id="g"), "_rev": "1-abc",
           "created_at": created_at}  # fmt: skip
    errors = check_worker_doc(load_schemas(), doc).errors
    assert [e["path"] for e in errors] == ["/created_at"]  # not /_rev, not twice
    assert message in errors[0]["message"]
