"""Check a worker document against its schema version, upgrading older versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.contract.schemas import ErrorDetail, SchemaSet
from sync.contract.upgrade import CURRENT_VERSION, UPGRADES
from sync.doctypes import SERVER_TYPES, WORKER_TYPES


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    """The schema result of one document; ``doc`` is in the current version's shape
    when the document was valid (upgraded if it was older), else as received."""

    doc_type: str | None
    valid: bool
    version: int | None
    upgraded_from: int | None = None
    errors: list[ErrorDetail] = field(default_factory=list)
    doc: dict[str, Any] = field(default_factory=dict)

    def as_verdict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "version": self.version,
            "upgraded_from": self.upgraded_from,
            "errors": [dict(e) for e in self.errors],
        }


def _refused(doc: Any, path: str, message: str, **kwargs: Any) -> SchemaCheck:
    kept = doc if isinstance(doc, dict) else {}
    return SchemaCheck(
        valid=False, errors=[ErrorDetail(path=path, message=message)], doc=kept, **kwargs
    )


def _declared_version(doc: dict[str, Any]) -> int | None:
    raw = doc.get("schema_version", 0)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _identify(schemas: SchemaSet, doc: Any) -> tuple[str, int] | SchemaCheck:
    """The document's type and schema version, or the refusal saying why not."""
    if not isinstance(doc, dict):
        return _refused(doc, "", "a document must be a JSON object", doc_type=None, version=None)
    doc_type = doc.get("type")
    if doc_type in SERVER_TYPES:
        message = f"documents of type {doc_type!r} are written by the server only"
        return _refused(doc, "/type", message, doc_type=None, version=None)
    if not isinstance(doc_type, str) or doc_type not in WORKER_TYPES:
        return _refused(doc, "/type", f"unknown document type {doc_type!r}", doc_type=None,
                        version=None)  # fmt: skip
    version = _declared_version(doc)
    if version is None or not schemas.has(version, doc_type):
        supported = [v for v in schemas.versions if schemas.has(v, doc_type)]
        message = f"schema_version {doc.get('schema_version')!r} is not one of {supported}"
        return _refused(doc, "/schema_version", message, doc_type=doc_type, version=None)
    return doc_type, version


def check_worker_doc(schemas: SchemaSet, doc: Any) -> SchemaCheck:
    """Validate a document a device wrote; upgrade it when it is valid but older."""
    identified = _identify(schemas, doc)
    if isinstance(identified, SchemaCheck):
        return identified
    doc_type, version = identified
    if not schemas.is_valid(doc, version, doc_type):
        errors = schemas.errors(doc, version, doc_type)
        return SchemaCheck(doc_type, False, version, errors=errors, doc=doc)
    upgraded, current = doc, version
    while current < CURRENT_VERSION:
        upgraded = UPGRADES[(doc_type, current)](upgraded)
        current += 1
    if current == version:
        return SchemaCheck(doc_type, True, version, doc=doc)
    # an upgrade that yields an invalid document is our bug; say so, keep the original
    errors = schemas.errors(upgraded, current, doc_type)
    if errors:
        return SchemaCheck(doc_type, False, version, version, errors, doc)
    return SchemaCheck(doc_type, True, version, version, doc=upgraded)
