"""What ``/couch/`` forwards: the replication protocol inside one grid database, decided
on the raw request path after strict percent-decoding, and nothing else.

Pure functions: no HTTP framework, no I/O. The upstream path is rebuilt from the
validated segments (each re-encoded), never copied from the request, so no spelling of a
dot-segment, an encoded slash or a backslash can reach another CouchDB endpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote_to_bytes

PREFIX = b"/couch/"
DATABASE = re.compile(r"[a-z][a-z0-9_-]{0,127}")
SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:=@+-]{0,199}")
"""A document id or an attachment name: the characters the mobile schema uses. Never
``.``/``..``, ``/``, ``\\`` or ``%``."""
CHECKPOINT = re.compile(r"[A-Za-z0-9_.=+-]{1,200}")
"""PouchDB's replication ids: base64 of a hash with ``/`` as ``.`` and ``+`` as ``_``."""
ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")

Kind = Literal["database", "endpoint", "checkpoint", "document", "attachment"]

ENDPOINTS: dict[str, frozenset[str]] = {
    "_changes": frozenset({"GET", "POST"}),
    "_bulk_docs": frozenset({"POST"}),
    "_bulk_get": frozenset({"POST"}),
    "_all_docs": frozenset({"GET", "POST"}),
    "_revs_diff": frozenset({"POST"}),
}
METHODS: dict[Kind, frozenset[str]] = {
    "database": frozenset({"GET", "HEAD"}),
    "checkpoint": frozenset({"GET", "HEAD", "PUT", "DELETE"}),
    "document": frozenset({"GET", "HEAD", "PUT", "DELETE"}),
    "attachment": frozenset({"GET", "HEAD", "PUT", "DELETE"}),
}

BOOLEAN = re.compile(r"true|false")
NUMBER = re.compile(r"[0-9]{1,10}")
JSON_VALUE = re.compile(r"[\x20-\x7e]{1,4096}")
"""A JSON value in a query (a revision list, a key): printable ASCII, bounded."""
QUERY: dict[str, re.Pattern[str]] = {
    "since": re.compile(r"[A-Za-z0-9_-]{1,1024}|now|\"[A-Za-z0-9_-]{1,1024}\""),
    "limit": NUMBER,
    "heartbeat": NUMBER,
    "timeout": NUMBER,
    "feed": re.compile(r"normal|longpoll"),
    "style": re.compile(r"main_only|all_docs"),
    "filter": re.compile(r"_doc_ids"),
    "doc_ids": JSON_VALUE,
    "seq_interval": NUMBER,
    "include_docs": BOOLEAN,
    "conflicts": BOOLEAN,
    "attachments": BOOLEAN,
    "att_encoding_info": BOOLEAN,
    "descending": BOOLEAN,
    "revs": BOOLEAN,
    "revs_info": BOOLEAN,
    "latest": BOOLEAN,
    "new_edits": BOOLEAN,
    "inclusive_end": BOOLEAN,
    "update_seq": BOOLEAN,
    "skip": NUMBER,
    "rev": re.compile(r"[0-9]{1,10}-[0-9a-f]{1,64}"),
    "open_revs": re.compile(r"all|\[[\x20-\x7e]{0,4094}\]"),
    "atts_since": JSON_VALUE,
    "keys": JSON_VALUE,
    "key": JSON_VALUE,
    "startkey": JSON_VALUE,
    "endkey": JSON_VALUE,
    "start_key": JSON_VALUE,
    "end_key": JSON_VALUE,
    "startkey_docid": JSON_VALUE,
    "endkey_docid": JSON_VALUE,
    "_nonce": re.compile(r"[A-Za-z0-9_-]{1,64}"),
}
"""What a replicating client sends (PouchDB, CouchDB's replicator). ``filter`` only as
CouchDB's built-in ``_doc_ids``: a named filter runs a design document's code, and a
missing one crashes the dev server. ``feed`` never ``continuous``/``eventsource``."""
LONG_POLL_FEEDS = frozenset({"longpoll"})


class Refused(ValueError):
    """Not something ``/couch/`` forwards; the message says why (for the log and a 404)."""


@dataclass(frozen=True, slots=True)
class Target:
    database: str
    kind: Kind
    segments: tuple[str, ...]
    """After the database: the endpoint, ``_local`` and its id, a document id, an attachment."""

    @property
    def upstream_path(self) -> str:
        """Rebuilt from validated parts; every part percent-encoded again."""
        parts = [self.database, *self.segments]
        encoded = "/".join(p if p == "_local" else quote(p, safe="") for p in parts)
        return f"/{encoded}/" if self.kind == "database" else f"/{encoded}"


def decide(raw_path: bytes, method: str, grid_prefix: str) -> Target:
    """The grid-database target of a raw request path (without its query), or ``Refused``."""
    if not raw_path.startswith(PREFIX):
        raise Refused("outside /couch/")
    raw_segments = raw_path[len(PREFIX) :].split(b"/")
    if len(raw_segments) > 1 and raw_segments[-1] == b"" and len(raw_segments) == 2:
        raw_segments = raw_segments[:1]  # /couch/<db>/ is the database itself
    segments = tuple(_decode(s) for s in raw_segments)
    database, rest = segments[0], segments[1:]
    if not DATABASE.fullmatch(database) or not database.startswith(grid_prefix):
        raise Refused("not a grid database")
    target = _shape(database, rest)
    allowed = ENDPOINTS[rest[0]] if target.kind == "endpoint" else METHODS[target.kind]
    if method not in allowed:
        raise Refused(f"{method} is not part of replication here")
    return target


def _decode(raw: bytes) -> str:
    """One path segment, percent-decoded once, strictly (bad escapes and bad UTF-8 are
    refused); what comes out is judged, not what came in."""
    if ESCAPE.search(raw):
        raise Refused("malformed percent-escape")
    try:
        return unquote_to_bytes(raw).decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise Refused("path is not UTF-8") from exc


def _shape(database: str, rest: tuple[str, ...]) -> Target:
    if not rest:
        return Target(database, "database", ())
    first = rest[0]
    if len(rest) == 1 and first in ENDPOINTS:
        return Target(database, "endpoint", rest)
    if first == "_local" and len(rest) == 2:
        if not CHECKPOINT.fullmatch(rest[1]) or rest[1].strip(".") == "":
            raise Refused("not a checkpoint id")
        return Target(database, "checkpoint", rest)
    if not all(SEGMENT.fullmatch(s) for s in rest):
        raise Refused("not a replication path")
    if len(rest) == 1:
        return Target(database, "document", rest)
    if len(rest) == 2:
        return Target(database, "attachment", rest)
    raise Refused("not a replication path")


def check_query(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query, if every parameter is one replication uses with a plausible value."""
    for name, value in items:
        pattern = QUERY.get(name)
        if pattern is None:
            raise Refused(f"query parameter {name!r} is not part of replication")
        if not pattern.fullmatch(value):
            raise Refused(f"query parameter {name!r} has an unexpected value")
    return items


def is_long_poll(items: list[tuple[str, str]]) -> bool:
    return any(name == "feed" and value in LONG_POLL_FEEDS for name, value in items)
