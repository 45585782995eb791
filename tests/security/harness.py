"""The app behind a real HTTP server (uvicorn, in this process), and raw requests whose
path bytes reach it exactly as an attacker wrote them (an HTTP client library would
normalise ``..`` away before sending)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn

from backend.app import create_app
from backend.devices.service import IssuedCredentials
from backend.runtime import Runtime
from backend.settings import Settings
from sync.devserver import free_port
from tests.helpers import basic_auth


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


@asynccontextmanager
async def served_app(settings: Settings) -> AsyncIterator[tuple[str, Runtime]]:
    """``(base URL, runtime)`` of the app served on a free port for the block."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))  # fmt: skip
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(600):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        assert server.started, "the app did not start"
        yield f"http://127.0.0.1:{port}", app.state.runtime
    finally:
        server.should_exit = True
        await task


async def raw_request(
    base_url: str, method: str, target: bytes, headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> RawAnswer:  # fmt: skip
    """One HTTP/1.1 request with ``target`` sent byte for byte."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    lines = [method.encode() + b" " + target + b" HTTP/1.1", f"Host: {host}:{port}".encode(),
             b"Connection: close", f"Content-Length: {len(body)}".encode()]  # fmt: skip
    lines += [f"{k}: {v}".encode() for k, v in (headers or {}).items()]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return RawAnswer(int(status_line.split()[1]), parsed, rest)


def tablet_auth(cred: IssuedCredentials) -> dict[str, str]:
    """HTTP Basic with a tablet's own CouchDB credentials."""
    return basic_auth(cred.couch_user, cred.password)


def two_grids(runtime: Runtime) -> tuple[IssuedCredentials, IssuedCredentials]:
    """The demo tablets of donghu-01 and xixi-01: a caller and a neighbour."""
    creds = {c.grid_id: c for c in runtime.issued_credentials}
    return creds["donghu-01"], creds["xixi-01"]


def assert_nothing_of_couchdb(answer: RawAnswer) -> None:
    """No word of CouchDB, its users or its cookies in a refusal."""
    body = answer.body.lower()
    for leak in (b"couchdb", b"pouchdb", b"welcome", b"userctx", b"_users", b"_replicator"):
        assert leak not in body, (answer.status, answer.body[:200])
    assert "set-cookie" not in answer.headers
