"""``python -m backend serve`` that dies like a power cut (SIGKILL) at the worst moment of
the follower's ``DIE_AT_BATCH``-th batch of database ``DIE_IN_DB``: its verdicts are in
CouchDB, its rows, audit lines and checkpoint flushed, its SQL transaction not yet
committed. (Verdicts and rows are written at the same time; the kill waits for both.)

Run: ``python -m tests.faults.serve_dying_before_commit serve …`` (the CLI's arguments).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Awaitable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.cli import main
from backend.replication import page_writes, projection
from sync.couch.types import Seq

_checkpoint = page_writes.save_checkpoint
_alongside = projection.__dict__["alongside"]  # imported there by name
_batches = itertools.count(1)
_fatal: list[bool] = []
"""Not empty once the batch that is to die has flushed its checkpoint."""


async def _save_checkpoint_marking_the_fatal_batch(
    session: AsyncSession, db: str, seq: Seq
) -> None:
    await _checkpoint(session, db, seq)
    if db == os.environ["DIE_IN_DB"] and next(_batches) == int(os.environ["DIE_AT_BATCH"]):
        _fatal.append(True)


async def _alongside_then_die(first: Awaitable[Any], second: Awaitable[Any]) -> None:
    await _alongside(first, second)
    if _fatal:
        print(f"dying in batch {os.environ['DIE_AT_BATCH']}: verdicts written, SQL not committed",
              flush=True)  # fmt: skip
        os.kill(os.getpid(), signal.SIGKILL)


page_writes.save_checkpoint = _save_checkpoint_marking_the_fatal_batch
projection.__dict__["alongside"] = _alongside_then_die

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
