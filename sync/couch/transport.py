"""HTTP transport to CouchDB: paths, query parameters, auth, and errors mapped to
:mod:`sync.couch.errors`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import quote

import httpx

from sync.couch.errors import CouchError, CouchUnavailable, Undecodable, error_for_status

# gzip can stall live feeds on some servers; ask for plain bodies everywhere.
_HEADERS = {"Accept": "application/json", "Accept-Encoding": "identity"}


@dataclass(frozen=True, slots=True)
class CouchCredentials:
    url: str
    user: str
    password: str


def db_path(db: str) -> str:
    return "/" + quote(db, safe="")


def doc_path(db: str, doc_id: str) -> str:
    if doc_id.startswith("_design/"):
        return f"{db_path(db)}/_design/{quote(doc_id[len('_design/') :], safe='')}"
    return f"{db_path(db)}/{quote(doc_id, safe='')}"


def query_params(values: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters; CouchDB wants JSON for booleans and keys."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str | int):
            out[key] = str(value)
        else:
            out[key] = json.dumps(value)
    return out


class CouchTransport:
    """One CouchDB server, one set of credentials, one connection pool."""

    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        auth = httpx.BasicAuth(user, password) if user is not None and password else None
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.url,
            auth=auth,
            headers=_HEADERS,
            timeout=httpx.Timeout(timeout, connect=5.0),
            transport=transport,
        )

    @classmethod
    def from_credentials(cls, creds: CouchCredentials, **kwargs: Any) -> Self:
        return cls(creds.url, creds.user, creds.password, **kwargs)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport ---------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request and decode its JSON answer, raising on any error."""
        try:
            response = await self._http.request(
                method,
                path,
                params=query_params(params or {}),
                json=json_body,
                content=content,
                headers=headers,
            )
        except httpx.TransportError as exc:
            raise CouchUnavailable("unavailable", f"{self.url}: {exc!r}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:  # e.g. a document nested 5,000 deep
            raise Undecodable("undecodable", f"{type(exc).__name__}: {exc}"[:300]) from None


def error_from_response(response: httpx.Response) -> CouchError:
    error, reason = f"http_{response.status_code}", response.reason_phrase
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = str(body.get("error", error))
        reason = str(body.get("reason", reason))
    return error_for_status(response.status_code, error, reason)
