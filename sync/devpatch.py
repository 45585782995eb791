"""Small fixes to the pinned dev CouchDB, applied after ``npm ci``.

The dev server must stay a faithful test double of Apache CouchDB; pouchdb-server 4.2.0
is not in four places, each fixed here with the smallest change that works:

1. Its validation plugin overwrites the incoming document's ``_revisions`` with the
   stored document's (pouchdb/pouchdb-server#419, fix proposed in #420, never released).
   With any ``validate_doc_update`` present — and every grid database has one — a
   replicated *edit* is silently dropped: ``_bulk_docs`` with ``new_edits=false``
   answers ``[]`` and writes nothing. The fix validates a copy carrying the stored
   ``_revisions`` and leaves the document being written untouched.
2. ``DELETE /<db>`` by anyone but a server admin is refused with 401, as it should be —
   but the refusal poisons the server's global create/delete promise chain and drops the
   open database from its cache: the next request for any database is an unhandled
   rejection and the whole server exits (found by the access suite: one tablet could
   stop the dev server for everyone). Apache CouchDB answers 401 and carries on. The fix
   keeps the chain usable after a failure and puts the database back in the cache.

3. Once an admin exists, Apache CouchDB 3 keeps ``_replicate``, ``_all_dbs`` and the
   system databases (``_users``: no self sign-up; ``_replicator``) for server admins;
   pouchdb-server leaves them open to anyone, so an anonymous caller could replicate
   into any grid database (around ``_security`` and ``validate_doc_update``), make the
   server fetch any URL, or create CouchDB users. The fix adds them to the routes the
   server's own ``requiresServerAdmin`` guards.
4. ``POST /<db>/_changes?filter=_selector`` with ``{"selector": …}`` (Apache CouchDB's
   Mango filter, which the follower uses to leave the server's own documents out of its
   feed) ignores the body and looks ``_selector`` up as a design document — the server
   exits. PouchDB's own ``changes({selector})`` does the same filtering; the fix hands it
   the body's selector.
5. ``_changes?filter=_doc_ids`` without a list of ids (none at all, ``{}``, ``[]`` as the
   body, a number) makes the server exit or answer 500; anyone with a tablet's
   credentials could stop every tablet's sync with one request. Apache CouchDB answers
   400; the fix does the same, and drops ``doc_ids`` sent without that filter, as Apache
   CouchDB ignores them.

``python -m sync.devpatch`` applies them (the install step does); the dev server manager
refuses to start an unpatched server.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sync.devserver import REPO_ROOT


@dataclass(frozen=True)
class Fix:
    files: tuple[str, ...]
    buggy: str
    fixed: str


FIXES = (
    Fix(
        files=(
            "pouchdb-validation/lib/index.js",
            "pouchdb-validation/dist/pouchdb-validation.js",
            "pouchdb-auth/dist/pouchdb-auth.js",
            "pouchdb-replicator/dist/pouchdb-replicator.js",
        ),
        buggy="newDoc._revisions = (oldDoc || {})._revisions;",
        fixed="newDoc = Object.assign({}, newDoc, {_revisions: (oldDoc || {})._revisions});",
    ),
    Fix(
        files=("express-pouchdb/lib/create-or-delete-dbs.js",),
        buggy="  promiseChain = promiseChain.then(fun);\n  return promiseChain;",
        fixed=(
            "  var result = promiseChain.then(fun);\n"
            "  promiseChain = result.catch(function () {});  // a failure must not poison it\n"
            "  return result;"
        ),
    ),
    Fix(
        files=("express-pouchdb/lib/create-or-delete-dbs.js",),
        buggy="    dbCache.delete(dbName);\n    return db.destroy(opts);",
        fixed=(
            "    dbCache.delete(dbName);\n"
            "    return db.destroy(opts).catch(function (err) {\n"
            "      dbCache.set(dbName, db);  // refused (401): the database stays open\n"
            "      throw err;\n"
            "    });"
        ),
    ),
    Fix(
        files=("express-pouchdb/lib/routes/authorization.js",),
        buggy="  app.post('/_restart', requiresServerAdmin);\n",
        fixed=(
            "  app.post('/_restart', requiresServerAdmin);\n"
            "  // as Apache CouchDB 3: replication, the database list and the system\n"
            "  // databases are for server admins only\n"
            "  app.all('/_replicate', requiresServerAdmin);\n"
            "  app.all('/_all_dbs', requiresServerAdmin);\n"
            "  app.all(/^\\/_(users|replicator|global_changes)(\\/.*)?$/, requiresServerAdmin);\n"
        ),
    ),
    Fix(
        files=("express-pouchdb/lib/routes/changes.js",),
        buggy="      req.query.doc_ids = req.body.doc_ids;\n    }\n",
        fixed=(
            "      req.query.doc_ids = req.body.doc_ids;\n    }\n"
            "    // as Apache CouchDB: POST {selector} with filter=_selector (PouchDB's own\n"
            "    // option); without it the filter is looked up as a design doc and crashes\n"
            "    if (req.body && req.body.selector && req.query.filter === '_selector') {\n"
            "      req.query.selector = req.body.selector;\n"
            "    }\n"
        ),
    ),
    Fix(
        files=("express-pouchdb/lib/routes/changes.js",),
        buggy="    if (req.query.feed === 'continuous' || req.query.feed === 'longpoll') {\n",
        fixed=(
            "    // as Apache CouchDB: filter=_doc_ids needs a list of ids (else 400; without\n"
            "    // one it is looked up as a design doc and the server exits); doc_ids without\n"
            "    // that filter are ignored (an object there made PouchDB throw)\n"
            "    if (req.query.filter === '_doc_ids') {\n"
            "      var ids = req.query.doc_ids;\n"
            "      if (!Array.isArray(ids) || !ids.every(function (id) {\n"
            "        return typeof id === 'string';\n"
            "      })) {\n"
            "        return utils.sendJSON(res, 400, {error: 'bad_request',\n"
            "          reason: '`doc_ids` filter parameter is not a list of doc ids.'});\n"
            "      }\n"
            "    } else {\n"
            "      delete req.query.doc_ids;\n"
            "    }\n"
            "    if (req.query.feed === 'continuous' || req.query.feed === 'longpoll') {\n"
        ),
    ),
)


class UnexpectedDevServer(RuntimeError):
    """The installed files are not the ones these fixes were written for."""


def is_patched(root: Path = REPO_ROOT) -> bool:
    return all(
        fix.fixed in (root / "node_modules" / name).read_text(encoding="utf-8")
        for fix in FIXES
        for name in fix.files
    )


def apply_patch(root: Path = REPO_ROOT) -> int:
    """Apply every fix; returns how many changed a file. Idempotent."""
    changed = 0
    for fix in FIXES:
        for name in fix.files:
            path = root / "node_modules" / name
            text = path.read_text(encoding="utf-8")
            if fix.fixed in text:
                continue
            if text.count(fix.buggy) != 1:
                raise UnexpectedDevServer(f"{path}: expected the known lines once")
            path.write_text(text.replace(fix.buggy, fix.fixed), encoding="utf-8")
            changed += 1
    return changed


if __name__ == "__main__":
    try:
        print(f"dev CouchDB: applied {apply_patch()} fix(es) (see sync/devpatch.py)")
    except (UnexpectedDevServer, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
