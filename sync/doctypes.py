"""Who owns which document type in a grid database (see docs/architecture.md)."""

from __future__ import annotations

WORKER_TYPES = frozenset({"inspection", "hazard", "track", "rectification_report"})
"""Written by grid workers' devices; the server never edits them."""

SERVER_TYPES = frozenset({"verdict", "ledger", "grid", "form", "purge"})
"""Written by the server only; devices may read them."""

SERVER_ID_PREFIXES = tuple(f"{t}:" for t in sorted(SERVER_TYPES))


NOT_SERVER_OWNED: dict[str, object] = {
    "_id": {"$regex": "^(?!_design/|" + "|".join(SERVER_ID_PREFIXES) + ")"}
}
"""A Mango selector for the follower's feed: every document but design documents and
the server's own (a deletion too: its tombstone carries its ``_id``). The server filters,
so our own verdicts are never sent back to us."""


def is_server_owned(doc_id: str) -> bool:
    """Cheap test on the id alone, so the follower can skip our own writes."""
    return doc_id.startswith(SERVER_ID_PREFIXES)
