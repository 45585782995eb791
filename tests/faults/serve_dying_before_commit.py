"""``python -m backend serve`` that dies like a power cut (SIGKILL) at the worst moment of
the follower's ``DIE_AT_BATCH``-th batch of database ``DIE_IN_DB``: its verdicts are in
CouchDB, its audit rows and checkpoint flushed, its SQL transaction not yet committed.

Run: ``python -m tests.faults.serve_dying_before_commit serve …`` (the CLI's arguments).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.cli import main
from backend.replication import page_writes
from sync.couch.types import Seq

_checkpoint = page_writes.save_checkpoint
_batches = itertools.count(1)


async def _save_checkpoint_then_die(session: AsyncSession, db: str, seq: Seq) -> None:
    await _checkpoint(session, db, seq)
    if db == os.environ["DIE_IN_DB"] and next(_batches) == int(os.environ["DIE_AT_BATCH"]):
        print(f"dying in batch {os.environ['DIE_AT_BATCH']}: verdicts written, SQL not committed",
              flush=True)  # fmt: skip
        os.kill(os.getpid(), signal.SIGKILL)


page_writes.save_checkpoint = _save_checkpoint_then_die

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
