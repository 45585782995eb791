"""What the follower needs from the rest of the product, as small Protocols.

The backend implements these over SQL; tests of pure logic may fake them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sync.couch import Change, JsonObject
from sync.couch.types import ChangesPage, Seq


class ChangesSource(Protocol):
    """Where changes come from (a :class:`sync.couch.CouchClient`)."""

    async def find_doc(self, db: str, doc_id: str, **params: Any) -> JsonObject | None: ...

    async def changes(
        self,
        db: str,
        *,
        since: Seq = None,
        limit: int | None = None,
        include_docs: bool = False,
        conflicts: bool = False,
        selector: JsonObject | None = None,
    ) -> ChangesPage: ...


class GridDirectory(Protocol):
    async def grid_databases(self) -> Sequence[str]:
        """Names of every grid database the follower should read."""
        ...


class ChangeSink(Protocol):
    async def checkpoints(self) -> dict[str, Seq]:
        """The last applied ``seq`` per database."""
        ...

    async def apply(self, db: str, changes: Sequence[Change], last_seq: Seq) -> None:
        """Apply a batch and store ``last_seq`` as the checkpoint in one transaction."""
        ...
