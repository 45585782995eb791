"""A thin typed async client for the CouchDB HTTP API.

Written for Apache CouchDB 3; the managed development server (pouchdb-server) is a
test double of it. Every failure raises from :mod:`sync.couch.errors`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx

from sync.couch.errors import (
    CouchError,
    CouchUnavailable,
    PayloadTooLarge,
    Undecodable,
    error_for_status,
)
from sync.couch.transport import (
    CouchCredentials,
    CouchTransport,
    db_path,
    doc_path,
    error_from_response,
    query_params,
)
from sync.couch.types import Change, ChangesPage, DbUpdates, JsonObject, Seq, resume_point

__all__ = ["CouchClient", "CouchCredentials"]


class CouchClient(CouchTransport):
    """Async access to one CouchDB server with one set of credentials."""

    # -- server ------------------------------------------------------------------

    async def server_info(self) -> JsonObject:
        info: JsonObject = await self.request("GET", "/")
        return info

    async def all_dbs(self) -> list[str]:
        names: list[str] = await self.request("GET", "/_all_dbs")
        return names

    async def session(self) -> JsonObject:
        """Who the server thinks we are (``userCtx``)."""
        ctx: JsonObject = await self.request("GET", "/_session")
        return ctx

    # -- databases ---------------------------------------------------------------

    async def create_db(self, db: str, *, exist_ok: bool = True) -> bool:
        """Create a database; ``False`` when it already existed and that is fine."""
        try:
            await self.request("PUT", db_path(db))
        except CouchError as exc:
            if exist_ok and exc.status == 412:
                return False
            raise
        return True

    async def delete_db(self, db: str, *, missing_ok: bool = True) -> None:
        try:
            await self.request("DELETE", db_path(db))
        except CouchError as exc:
            if not (missing_ok and exc.status == 404):
                raise

    async def db_info(self, db: str) -> JsonObject:
        info: JsonObject = await self.request("GET", db_path(db))
        return info

    async def get_security(self, db: str) -> JsonObject:
        sec: JsonObject = await self.request("GET", f"{db_path(db)}/_security")
        return sec

    async def put_security(self, db: str, security: JsonObject) -> None:
        await self.request("PUT", f"{db_path(db)}/_security", json_body=security)

    # -- documents ---------------------------------------------------------------

    async def get_doc(self, db: str, doc_id: str, **params: Any) -> JsonObject:
        doc: JsonObject = await self.request("GET", doc_path(db, doc_id), params=params)
        return doc

    async def find_doc(self, db: str, doc_id: str, **params: Any) -> JsonObject | None:
        """The document, or ``None`` when it does not exist (or was deleted)."""
        try:
            return await self.get_doc(db, doc_id, **params)
        except CouchError as exc:
            if exc.status == 404:
                return None
            raise

    async def put_doc(self, db: str, doc: JsonObject) -> str:
        """Write a document (``_rev`` in ``doc`` when updating); returns the new rev."""
        answer: JsonObject = await self.request("PUT", doc_path(db, doc["_id"]), json_body=doc)
        return str(answer["rev"])

    async def delete_doc(self, db: str, doc_id: str, rev: str) -> str:
        answer: JsonObject = await self.request("DELETE", doc_path(db, doc_id), params={"rev": rev})
        return str(answer["rev"])

    async def ensure_doc(self, db: str, doc: JsonObject) -> str | None:
        """Write ``doc`` unless an identical one is stored; the new rev or ``None``.

        Idempotent: writing the same content twice makes no new revision.
        """
        current = await self.find_doc(db, doc["_id"])
        if current is not None:
            if _content(current) == _content(doc):
                return None
            doc = {**doc, "_rev": current["_rev"]}
        return await self.put_doc(db, doc)

    async def ensure_docs(
        self,
        db: str,
        docs: list[JsonObject],
        *,
        keep: tuple[str, ...] = (),
        probably_new: Collection[str] = (),
    ) -> list[str]:
        """Write each doc unless its stored version has the same content; ids written.

        Fields named in ``keep`` (e.g. a first-received time) are not compared and
        keep their stored value. Docs whose ids are in ``probably_new`` are written
        without reading first; those that turn out to exist take the careful path.
        """
        blind = [d for d in docs if d["_id"] in probably_new]
        written: list[str] = []
        if blind:
            results = await self.bulk_docs(db, blind)
            written = [str(r["id"]) for r in results if "error" not in r]
            self._raise_unless_conflicts(results)
            existing = {str(r["id"]) for r in results if r.get("error") == "conflict"}
            docs = [d for d in docs if d["_id"] not in probably_new or d["_id"] in existing]
        return written + await self._ensure_read_first(db, docs, keep)

    @staticmethod
    def _raise_unless_conflicts(results: list[JsonObject]) -> None:
        for result in results:
            if "error" in result and result["error"] != "conflict":
                raise error_for_status(
                    400, str(result["error"]), f"{result.get('id')}: {result.get('reason', '')}"
                )

    async def _ensure_read_first(
        self, db: str, docs: list[JsonObject], keep: tuple[str, ...]
    ) -> list[str]:
        if not docs:
            return []
        answer: JsonObject = await self.request(
            "POST",
            f"{db_path(db)}/_all_docs",
            params={"include_docs": True},
            json_body={"keys": [d["_id"] for d in docs]},
        )
        stored = {row["id"]: row["doc"] for row in answer["rows"] if row.get("doc")}
        changed: list[JsonObject] = []
        for wanted in docs:
            current = stored.get(wanted["_id"])
            if current is not None:
                wanted = {**wanted, **{k: current[k] for k in keep if k in current}}  # noqa: PLW2901
                if _content(current) == _content(wanted):
                    continue
                wanted["_rev"] = current["_rev"]
            changed.append(wanted)
        if not changed:
            return []
        results = await self.bulk_docs(db, changed)
        failed = [r for r in results if "error" in r]
        if failed:
            first = failed[0]
            raise error_for_status(
                409 if first["error"] == "conflict" else 400,
                str(first["error"]),
                f"{first.get('id')}: {first.get('reason', '')}",
            )
        return [str(r["id"]) for r in results]

    async def bulk_docs(
        self, db: str, docs: list[JsonObject], *, new_edits: bool = True
    ) -> list[JsonObject]:
        """Write many docs at once; one result per doc (``ok``/``rev`` or ``error``)."""
        body = {"docs": docs, "new_edits": new_edits}
        results: list[JsonObject] = await self.request(
            "POST", f"{db_path(db)}/_bulk_docs", json_body=body
        )
        return results

    async def all_docs(self, db: str, **params: Any) -> JsonObject:
        rows: JsonObject = await self.request("GET", f"{db_path(db)}/_all_docs", params=params)
        return rows

    # -- changes -----------------------------------------------------------------

    async def changes(
        self,
        db: str,
        *,
        since: Seq = None,
        limit: int | None = None,
        include_docs: bool = False,
        conflicts: bool = False,
        selector: JsonObject | None = None,
    ) -> ChangesPage:
        """One page of the normal feed, oldest first; with a Mango ``selector``, only the
        changes whose document matches it (the server filters: the others are neither
        sent nor decoded, and ``last_seq`` still moves past them)."""
        params = {
            "since": since if since is not None else 0,
            "limit": limit,
            "include_docs": include_docs,
            "conflicts": conflicts if include_docs else None,
            "style": "all_docs",
            "filter": "_selector" if selector is not None else None,
        }
        path = f"{db_path(db)}/_changes"
        page: JsonObject
        if selector is None:
            page = await self.request("GET", path, params=params)
        else:
            page = await self.request("POST", path, params=params, json_body={"selector": selector})
        results = [Change.from_row(row) for row in page.get("results", [])]
        return ChangesPage(
            results=results,
            last_seq=resume_point(results, page.get("last_seq"), limit),
            pending=int(page.get("pending", 0) or 0),
        )

    async def db_updates(self, *, since: Seq = "now", wait_ms: int = 25_000) -> DbUpdates:
        """The server-wide feed of changed databases (Apache CouchDB, admins; needs
        ``_global_changes``), long-polled: answers at the first change or after
        ``wait_ms`` with none. :class:`NotFound`/:class:`BadRequest` where the server
        has no such feed. No heartbeat: CouchDB would then ignore ``timeout``."""
        params = {"feed": "longpoll", "since": since, "timeout": wait_ms}
        try:
            wait = httpx.Timeout(wait_ms / 1000 + 30, connect=5.0)
            response = await self._http.get("/_db_updates", params=query_params(params),
                                            timeout=wait)  # fmt: skip
        except httpx.TransportError as exc:
            raise CouchUnavailable("unavailable", f"{self.url}: {exc!r}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            body = response.json()
        except ValueError as exc:
            raise Undecodable("undecodable", f"_db_updates: {exc}"[:300]) from None
        names = frozenset(str(row["db_name"]) for row in body.get("results", [])
                          if isinstance(row, dict) and "db_name" in row)  # fmt: skip
        return DbUpdates(databases=names, last_seq=body.get("last_seq", since))

    async def continuous_changes(
        self,
        db: str,
        *,
        since: Seq = None,
        heartbeat_ms: int = 10_000,
        include_docs: bool = False,
    ) -> AsyncIterator[Change]:
        """The continuous feed; blank heartbeat lines keep idle connections alive.

        Some servers ignore ``timeout``, so a caller that needs a bound should wrap
        the iteration in its own deadline and reconnect from the last seen ``seq``.
        """
        params = query_params(
            {
                "feed": "continuous",
                "since": since if since is not None else 0,
                "heartbeat": heartbeat_ms,
                "include_docs": include_docs,
                "style": "all_docs",
            }
        )
        read_timeout = heartbeat_ms / 1000 * 3
        try:
            async with self._http.stream(
                "GET",
                f"{db_path(db)}/_changes",
                params=params,
                timeout=httpx.Timeout(read_timeout, connect=5.0),
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_from_response(response)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    row = json.loads(line)
                    if "id" in row:
                        yield Change.from_row(row)
        except httpx.TransportError as exc:
            raise CouchUnavailable("unavailable", f"{self.url}: {exc!r}") from exc

    # -- attachments -------------------------------------------------------------

    @asynccontextmanager
    async def open_attachment(
        self, db: str, doc_id: str, name: str, *, max_bytes: int, chunk_size: int = 65_536
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Stream an attachment's bytes; :class:`PayloadTooLarge` past ``max_bytes``."""
        path = f"{doc_path(db, doc_id)}/{quote(name, safe='')}"
        try:
            async with self._http.stream("GET", path) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_from_response(response)
                declared = int(response.headers.get("content-length", "0") or 0)
                if declared > max_bytes:
                    raise PayloadTooLarge("too_large", f"{name}: {declared} > {max_bytes} bytes")
                yield _capped(response.aiter_bytes(chunk_size), name, max_bytes)
        except httpx.TransportError as exc:
            raise CouchUnavailable("unavailable", f"{self.url}: {exc!r}") from exc

    async def put_attachment(
        self, db: str, doc_id: str, rev: str, name: str, data: bytes, content_type: str
    ) -> str:
        path = f"{doc_path(db, doc_id)}/{quote(name, safe='')}"
        answer: JsonObject = await self.request(
            "PUT",
            path,
            params={"rev": rev},
            content=data,
            headers={"Content-Type": content_type},
        )
        return str(answer["rev"])

    # -- users -------------------------------------------------------------------

    async def put_user(self, name: str, password: str, roles: list[str] | None = None) -> str:
        """Create the CouchDB user, or set a new password when it exists."""
        doc_id = f"org.couchdb.user:{name}"
        current = await self.find_doc("_users", doc_id)
        doc: JsonObject = {
            "_id": doc_id,
            "name": name,
            "type": "user",
            "roles": roles or [],
            "password": password,
        }
        if current is not None:
            doc["_rev"] = current["_rev"]
        return await self.put_doc("_users", doc)

    async def find_user(self, name: str) -> JsonObject | None:
        return await self.find_doc("_users", f"org.couchdb.user:{name}")

    async def delete_user(self, name: str) -> None:
        current = await self.find_user(name)
        if current is not None:
            await self.delete_doc("_users", current["_id"], current["_rev"])


def _content(doc: JsonObject) -> JsonObject:
    return {k: v for k, v in doc.items() if k != "_rev"}


async def _capped(chunks: AsyncIterator[bytes], name: str, max_bytes: int) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > max_bytes:
            raise PayloadTooLarge("too_large", f"{name}: more than {max_bytes} bytes")
        yield chunk
