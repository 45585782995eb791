"""Plain value types of the CouchDB protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]
"""A decoded JSON object as CouchDB sends it."""

Seq = Any
"""An update sequence: an integer on some servers, an opaque string on CouchDB 3.
Stored as JSON and handed back verbatim; never compared or parsed."""


@dataclass(frozen=True, slots=True)
class Change:
    """One row of a ``_changes`` feed."""

    id: str
    seq: Seq
    revs: tuple[str, ...]
    deleted: bool = False
    doc: JsonObject | None = None

    @classmethod
    def from_row(cls, row: JsonObject) -> Change:
        return cls(
            id=str(row["id"]),
            seq=row.get("seq"),
            revs=tuple(str(c["rev"]) for c in row.get("changes", ())),
            deleted=bool(row.get("deleted", False)),
            doc=row.get("doc"),
        )


@dataclass(frozen=True, slots=True)
class ChangesPage:
    """One page of a normal ``_changes`` feed."""

    results: list[Change]
    last_seq: Seq
    """Where the next page starts (see :func:`resume_point`)."""
    pending: int = 0


def resume_point(results: list[Change], last_seq: Seq, limit: int | None) -> Seq:
    """Where reading goes on after a page: the server's ``last_seq``, or, when the page
    was cut at ``limit``, the last row's own sequence. With a filter, a clustered CouchDB
    cut at its limit still takes in a shard's later filtered-out rows, and its
    ``last_seq`` then counts that shard past a change it held back and never sent:
    going on from there would skip that change for good."""
    if limit is not None and len(results) >= limit and results[-1].seq is not None:
        return results[-1].seq
    return last_seq


def rev_generation(rev: str) -> int:
    """The generation number of a revision (``"3-abc"`` → 3)."""
    head, _, _ = rev.partition("-")
    return int(head)


def rev_key(rev: str) -> tuple[int, str]:
    """Order revisions the way CouchDB picks a winner: generation, then hash."""
    head, _, tail = rev.partition("-")
    return int(head), tail


@dataclass(frozen=True, slots=True)
class DbUpdates:
    """One answer of ``/_db_updates``: which databases changed since ``since``."""

    databases: frozenset[str]
    last_seq: Seq
