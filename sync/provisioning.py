"""Grid databases and device users: created, secured and kept in shape, idempotently."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sync.couch import CouchClient
from sync.doctypes import SERVER_TYPES

GRID_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
RULES_DESIGN_ID = "_design/grid_rules"

# CouchDB runs this on every write by a non-admin. Server-owned types — and ids with a
# server type's prefix, whatever the type field says — are refused, the author must be
# the writing user, and another author's doc can't be edited or deleted. A hazard or a
# rectification report that reached the server is on the ledger: the tablet cannot delete
# it (a supervisor closes it instead). Server admins (our follower) pass.
VALIDATE_DOC_UPDATE = """function (newDoc, oldDoc, userCtx, secObj) {
  var SERVER_TYPES = %(server_types)s;
  var LEDGER_TYPES = ['hazard', 'rectification_report'];
  if (userCtx.roles.indexOf('_admin') !== -1) { return; }
  if (!userCtx.name) { throw({unauthorized: 'sign in with your device credentials'}); }
  if (oldDoc && SERVER_TYPES.indexOf(oldDoc.type) !== -1) {
    throw({forbidden: 'documents of type ' + oldDoc.type + ' are written by the server only'});
  }
  if (oldDoc && oldDoc.author !== userCtx.name) {
    throw({forbidden: 'this document belongs to another author'});
  }
  for (var i = 0; i < SERVER_TYPES.length; i++) {  // tablets read ledger:… as decisions
    if (newDoc._id.indexOf(SERVER_TYPES[i] + ':') === 0) {
      throw({forbidden: 'ids starting with ' + SERVER_TYPES[i] + ': are for the server'});
    }
  }
  if (newDoc._deleted && oldDoc && !oldDoc._deleted && LEDGER_TYPES.indexOf(oldDoc.type) !== -1) {
    throw({forbidden: 'a reported ' + oldDoc.type + ' stays on the ledger: ' +
                      'ask your supervisor to close it'});
  }
  if (newDoc._deleted) { return; }
  if (SERVER_TYPES.indexOf(newDoc.type) !== -1) {
    throw({forbidden: 'documents of type ' + newDoc.type + ' are written by the server only'});
  }
  if (newDoc.author !== userCtx.name) {
    throw({forbidden: 'author must be the signed-in device user ' + userCtx.name});
  }
}""".replace("%(server_types)s", json.dumps(sorted(SERVER_TYPES)))


class InvalidGridId(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Namespace:
    """Names of grid databases and device users on one CouchDB server.

    A prefix lets several deployments (or test runs) share one server.
    """

    prefix: str = ""

    def grid_db(self, grid_id: str) -> str:
        if not GRID_ID_PATTERN.fullmatch(grid_id):
            raise InvalidGridId(f"grid id {grid_id!r} must match {GRID_ID_PATTERN.pattern}")
        return f"{self.prefix}grid_{grid_id}"

    def device_user(self, device_id: str) -> str:
        return f"{self.prefix}device_{device_id}"


def rules_design_doc() -> dict[str, object]:
    return {
        "_id": RULES_DESIGN_ID,
        "language": "javascript",
        "validate_doc_update": VALIDATE_DOC_UPDATE,
    }


def security_for(device_users: list[str]) -> dict[str, object]:
    """Only the grid's own device users are members; admins stay server-side."""
    return {
        "admins": {"names": [], "roles": []},
        "members": {"names": sorted(device_users), "roles": []},
    }


SYSTEM_DATABASES = ("_users", "_replicator", "_global_changes")
"""Device users live in ``_users``; ``_global_changes`` makes Apache CouchDB's
``/_db_updates`` feed work, which tells the follower which grid databases changed. A
single node set up without ``/_cluster_setup`` has none of them."""


async def ensure_system_databases(couch: CouchClient) -> list[str]:
    """Create the system databases that are missing; returns those created now."""
    return [db for db in SYSTEM_DATABASES if await couch.create_db(db)]


async def provision_grid_database(couch: CouchClient, db: str, device_users: list[str]) -> bool:
    """Create the grid database if needed and (re)apply its security and rules.

    Returns ``True`` when the database was created now.
    """
    created = await couch.create_db(db)
    wanted = security_for(device_users)
    if await couch.get_security(db) != wanted:
        await couch.put_security(db, wanted)
    await couch.ensure_doc(db, rules_design_doc())
    return created
