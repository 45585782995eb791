"""A one-line fix to the pinned dev CouchDB, applied after ``npm ci``.

pouchdb-server 4.2.0's validation plugin overwrites the incoming document's
``_revisions`` with the stored document's (pouchdb/pouchdb-server#419, fix proposed
in #420, never released). With any ``validate_doc_update`` present — and every grid
database has one — a replicated *edit* is then silently dropped: ``_bulk_docs`` with
``new_edits=false`` answers ``[]`` and writes nothing. Apache CouchDB has no such bug;
without this fix the dev server would stop being a faithful test double of it.

The fix validates a copy that carries the stored ``_revisions`` and leaves the
document being written untouched. ``python -m sync.devpatch`` applies it (the install
step does); the dev server manager refuses to start an unpatched server.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sync.devserver import REPO_ROOT

BUGGY = "newDoc._revisions = (oldDoc || {})._revisions;"
FIXED = "newDoc = Object.assign({}, newDoc, {_revisions: (oldDoc || {})._revisions});"
FILES = (
    "pouchdb-validation/lib/index.js",
    "pouchdb-validation/dist/pouchdb-validation.js",
    "pouchdb-auth/dist/pouchdb-auth.js",
    "pouchdb-replicator/dist/pouchdb-replicator.js",
)


class UnexpectedDevServer(RuntimeError):
    """The installed files are not the ones this fix was written for."""


def _targets(root: Path) -> list[Path]:
    return [root / "node_modules" / name for name in FILES]


def is_patched(root: Path = REPO_ROOT) -> bool:
    return all(BUGGY not in path.read_text(encoding="utf-8") for path in _targets(root))


def apply_patch(root: Path = REPO_ROOT) -> int:
    """Fix every file; returns how many changed. Idempotent."""
    changed = 0
    for path in _targets(root):
        text = path.read_text(encoding="utf-8")
        if FIXED in text and BUGGY not in text:
            continue
        if text.count(BUGGY) != 1:
            raise UnexpectedDevServer(f"{path}: expected the known line once")
        path.write_text(text.replace(BUGGY, FIXED), encoding="utf-8")
        changed += 1
    return changed


if __name__ == "__main__":
    try:
        print(f"dev CouchDB: fixed {apply_patch()} file(s) (pouchdb-server#419)")
    except (UnexpectedDevServer, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
