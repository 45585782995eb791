"""A small typed async CouchDB client on httpx (Apache CouchDB 3 semantics)."""

from sync.couch.client import CouchClient, CouchCredentials
from sync.couch.errors import (
    BadRequest,
    Conflict,
    CouchError,
    CouchUnavailable,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ServerError,
    Unauthorized,
    Undecodable,
)
from sync.couch.types import Change, ChangesPage, DbUpdates, JsonObject

__all__ = [
    "BadRequest",
    "Change",
    "ChangesPage",
    "Conflict",
    "CouchClient",
    "CouchCredentials",
    "CouchError",
    "CouchUnavailable",
    "DbUpdates",
    "Forbidden",
    "JsonObject",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ServerError",
    "Unauthorized",
    "Undecodable",
]
