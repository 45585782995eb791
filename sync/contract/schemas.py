"""Load every schema under ``mobile-schema/vN/`` once and build validators."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

import jsonschema_rs

SCHEMA_ROOT = Path(__file__).resolve().parents[2] / "mobile-schema"
BASE_URI = "https://grid-inspection.example/mobile-schema/"
MAX_ERRORS = 50
MAX_MESSAGE = 300
_VERSION_DIR = re.compile(r"^v(\d+)$")


class ErrorDetail(TypedDict):
    """One problem in a document: a JSON pointer and a plain-words message."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class SchemaFile:
    version: int
    name: str
    schema: dict[str, Any]
    body: bytes


@dataclass
class SchemaSet:
    """All schemas of all versions, and a validator per (version, document type)."""

    files: dict[tuple[int, str], SchemaFile]
    _validators: dict[tuple[int, str], Any] = field(default_factory=dict, repr=False)
    _known_root: dict[tuple[int, str], frozenset[str]] = field(default_factory=dict, repr=False)

    @property
    def versions(self) -> list[int]:
        return sorted({version for version, _ in self.files})

    def types(self, version: int) -> list[str]:
        return sorted(n for v, n in self.files if v == version and n != "common")

    def has(self, version: int, doc_type: str) -> bool:
        return (version, doc_type) in self._validators

    def errors(self, doc: Any, version: int, doc_type: str) -> list[ErrorDetail]:
        """Every problem of ``doc`` against its schema, most useful first, capped."""
        validator = self._validators[(version, doc_type)]
        known = self._known_root.get((version, doc_type), frozenset())
        found = [d for err in validator.iter_errors(doc) for d in _details(err, known)]
        # a timestamp breaks its pattern and its format at once: one fault, said once
        said = {e["path"] for e in found if not e["message"].startswith(FORMAT_MESSAGE)}
        found = [e for e in found if e["path"] not in said
                 or not e["message"].startswith(FORMAT_MESSAGE)]  # fmt: skip
        found.sort(key=lambda e: (e["path"], e["message"]))
        return found[:MAX_ERRORS]

    def is_valid(self, doc: Any, version: int, doc_type: str) -> bool:
        return bool(self._validators[(version, doc_type)].is_valid(doc))


FORMAT_MESSAGE = "is not a valid "


def _details(err: Any, known_root: frozenset[str]) -> list[ErrorDetail]:
    """Plain messages that name the rule, never echo the (possibly huge) value."""
    path = "".join(f"/{_escape(part)}" for part in err.instance_path)
    kind = err.kind
    name = type(kind).__name__
    if name == "Required":
        return [ErrorDetail(path=f"{path}/{_escape(kind.property)}", message="is required")]
    if name in {"UnevaluatedProperties", "AdditionalProperties"}:
        # a failing allOf branch hides its fields from unevaluatedProperties: report
        # only fields the schema really does not know
        unexpected = [p for p in kind.unexpected if path or p not in known_root]
        return [
            ErrorDetail(path=f"{path}/{_escape(p)}", message="is not a field of this document")
            for p in unexpected
        ]
    message = _MESSAGES.get(name, lambda k: str(err.message))(kind)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return [ErrorDetail(path=path, message=message)]


_MESSAGES: dict[str, Any] = {
    "MaxLength": lambda k: f"is longer than {k.limit} characters",
    "MinLength": lambda k: "must not be empty" if k.limit == 1 else f"is shorter than {k.limit}",
    "MaxItems": lambda k: f"has more than {k.limit} items",
    "MinItems": lambda k: f"has fewer than {k.limit} items",
    "MaxProperties": lambda k: f"has more than {k.limit} fields",
    "Pattern": lambda k: (
        "is not a date and time from 2000 to 2099 with its UTC offset, "
        "e.g. 2026-11-20T09:31:00+08:00"
        if k.pattern.startswith("^20[0-9]{2}-")
        else f"does not match the pattern {k.pattern}"
    ),
    "Type": lambda k: f"must be of type {' or '.join(map(str, k.types))}",
    "Format": lambda k: f"{FORMAT_MESSAGE}{k.format}",
    "Constant": lambda k: f"must be {json.dumps(k.expected_value)}",
    "Enum": lambda k: f"must be one of {', '.join(json.dumps(o) for o in k.options)}",
}


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _read(path: Path, version: int) -> SchemaFile:
    body = path.read_bytes()
    schema = json.loads(body)
    expected = f"{BASE_URI}v{version}/{path.name}"
    if schema.get("$id") != expected:
        raise ValueError(f"{path}: $id must be {expected}")
    return SchemaFile(version, path.stem, schema, body)


@cache
def load_schemas(root: Path = SCHEMA_ROOT) -> SchemaSet:
    """Read and compile every schema once per process."""
    files: dict[tuple[int, str], SchemaFile] = {}
    for folder in sorted(root.iterdir()):
        match = _VERSION_DIR.match(folder.name)
        if match and folder.is_dir():
            version = int(match.group(1))
            for path in sorted(folder.glob("*.json")):
                files[(version, path.stem)] = _read(path, version)
    registry = jsonschema_rs.Registry([(f.schema["$id"], f.schema) for f in files.values()])
    schemas = SchemaSet(files)
    for key, file in files.items():
        if file.name != "common":
            schemas._validators[key] = jsonschema_rs.validator_for(
                file.schema, registry=registry, validate_formats=True
            )
            schemas._known_root[key] = frozenset(
                _root_properties(file.schema, file.version, files, file.name)
            )
    return schemas


def _root_properties(
    schema: dict[str, Any],
    version: int,
    files: dict[tuple[int, str], SchemaFile],
    within: str = "",
) -> set[str]:
    """Names the schema declares at its root, through allOf and $ref to other files (and
    to ``#/$defs/…`` of the file it is ``within``)."""
    names = set(schema.get("properties", {}))
    for part in [*schema.get("allOf", []), *([schema] if "$ref" in schema else [])]:
        target, where = _resolve(part, version, files, within)
        names |= _root_properties(target, version, files, where)
    return names


def _resolve(
    node: dict[str, Any], version: int, files: dict[tuple[int, str], SchemaFile], within: str
) -> tuple[dict[str, Any], str]:
    """The schema ``node`` refers to, and the file it is in."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node, within
    target, _, pointer = ref.partition("#")
    match = re.match(r"^(?:\.\./v(\d+)/)?([a-z_]+)\.json$", target)
    if target and match is None:
        return {}, within
    key = (int(match.group(1) or version), match.group(2)) if match else (version, within)
    if key not in files:
        return {}, within
    found: Any = files[key].schema
    for part in pointer.strip("/").split("/") if pointer else []:
        found = found[part]
    return dict(found), key[1]
