"""Run the real app (lifespan included) against the real services."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.devices.service import IssuedCredentials
from backend.runtime import Runtime
from backend.settings import REPO_ROOT, Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch, free_port
from tests.helpers import hazard_doc


@asynccontextmanager
async def running_app(
    settings: Settings, *, sign_in: bool = True
) -> AsyncIterator[tuple[AsyncTestClient[Any], Runtime]]:
    """The app with its lifespan; the client signed in as the bootstrap admin."""
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        if sign_in and settings.bootstrap_admin:
            await sign_in_as(client, *settings.bootstrap_admin)
        yield client, app.state.runtime


async def sign_in_as(client: AsyncTestClient[Any], username: str, password: str) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


def environment_of(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes ``python -m backend`` use these settings."""
    assert settings.couch is not None
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "COUCHDB_URL": settings.couch.url,
        "COUCHDB_USER": settings.couch.user,
        "COUCHDB_PASSWORD": settings.couch.password,
        "COUCHDB_NAMESPACE": settings.couch_namespace,
        "VAR_DIR": str(settings.var_dir),
        **extra,
    }


def serve_process(
    settings: Settings, log: Path, *, module: str = "backend", **env: str
) -> subprocess.Popen[bytes]:
    """``python -m <module> serve`` on a free port with these settings; output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", module, "serve", "--port", str(free_port())],
            cwd=REPO_ROOT, env=environment_of(settings, **env), stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def hazard_for(cred: IssuedCredentials, **extra: Any) -> dict[str, Any]:
    """A v1 hazard as this device would write it for its grid."""
    return hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id,
                      **extra)  # fmt: skip


def tablet(dev_couch: DevCouch, cred: IssuedCredentials) -> CouchClient:
    """A CouchDB client signed in as the device, as a tablet would be."""
    return CouchClient(dev_couch.url, cred.couch_user, cred.password)


async def run_cli(settings: Settings, *args: str, stdin: str = "") -> tuple[int, Any, str]:
    """Run ``python -m backend ARGS`` against these settings: exit code, JSON on
    stdout (when it succeeded), stderr."""
    env = environment_of(settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend", *args,
        cwd=REPO_ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    parsed = json.loads(out) if process.returncode == 0 else None
    return process.returncode, parsed, err.decode()


async def get_json(client: AsyncTestClient[Any], path: str, **kwargs: Any) -> Any:
    response = await client.get(path, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()
