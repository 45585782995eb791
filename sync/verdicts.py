"""Verdict documents: the server's answer to each worker document, in its grid DB."""

from __future__ import annotations

from typing import Any

from sync.contract import SchemaCheck
from sync.couch.types import JsonObject

VERDICT_KEEP = ("received_at",)
"""Not compared when deciding whether a verdict changed; keeps its first value."""


def verdict_id(doc_id: str) -> str:
    return f"verdict:{doc_id}"


def verdict_doc(
    *,
    doc_id: str,
    rev: str,
    doc_type: str,
    grid_id: str,
    received_at: str,
    schema: SchemaCheck,
    extra: dict[str, Any] | None = None,
) -> JsonObject:
    """The verdict on one revision; the same inputs always give the same document."""
    doc: JsonObject = {
        "_id": verdict_id(doc_id),
        "type": "verdict",
        "schema_version": 1,
        "grid_id": grid_id,
        "target_id": doc_id,
        "target_rev": rev,
        "target_type": doc_type,
        "received_at": received_at,
        "schema": schema.as_verdict(),
    }
    doc.update(extra or {})
    return doc
