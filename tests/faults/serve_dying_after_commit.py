"""``python -m backend serve`` that dies like a power cut (SIGKILL) at the worst moment of
the follower's ``DIE_AT_BATCH``-th batch of database ``DIE_IN_DB``: its rows, audit lines
and checkpoint committed in SQL, its verdicts queued for CouchDB and not yet written.

Run: ``python -m tests.faults.serve_dying_after_commit serve …`` (the CLI's arguments).
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from typing import Any

from backend.cli import main
from backend.synced.verdicts import VerdictWriter

_send = VerdictWriter.send
_batches = itertools.count(1)


def _send_unless_fatal(self: VerdictWriter, db: str, verdicts: Any, **kwargs: Any) -> None:
    if (db == os.environ["DIE_IN_DB"] and verdicts
            and next(_batches) == int(os.environ["DIE_AT_BATCH"])):  # fmt: skip
        print(f"dying in batch {os.environ['DIE_AT_BATCH']}: SQL committed, verdicts queued",
              flush=True)  # fmt: skip
        os.kill(os.getpid(), signal.SIGKILL)
    _send(self, db, verdicts, **kwargs)


VerdictWriter.send = _send_unless_fatal  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
