"""``/health`` (the process answers) and ``/ready`` (it can do its job): public, so they
say only that; admins read why at ``/api/sync/health`` (``health_details``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text

from backend.database import read_only_connection
from backend.runtime import Runtime
from sync.couch import CouchError
from sync.follower import Follower


@get("/health", tags=["health"])
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", tags=["health"])
async def ready(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    """Ready or not, and nothing else (the reasons may name internals)."""
    details = await health_details(runtime)
    ok = details["status"] == "ok"
    return Response({"status": details["status"]},
                    status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE)  # fmt: skip


async def health_details(runtime: Runtime) -> dict[str, Any]:
    """Each part's state and the follower's progress, with the reasons of failures."""
    checks: dict[str, Any] = {
        "sql": await _sql_status(runtime),
        "couch": await _couch_status(runtime),
        "follower": _follower_status(runtime),
        "dev_couch": asdict(runtime.dev_couch) if runtime.dev_couch else None,
    }
    follower_ok = checks["follower"]["running"] or not checks["follower"]["enabled"]
    ok = checks["sql"] == "ok" and checks["couch"] == "ok" and follower_ok
    return {"status": "ok" if ok else "unavailable", **checks}


async def _sql_status(runtime: Runtime) -> str:
    try:
        async with read_only_connection(runtime.engine) as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", with its reason
        return f"error: {type(exc).__name__}"
    return "ok"


async def _couch_status(runtime: Runtime) -> str:
    try:
        await runtime.couch.server_info()
    except CouchError as exc:
        return f"error: {exc.error}"
    return "ok"


def _follower_status(runtime: Runtime) -> dict[str, Any]:
    task, lease = runtime.follower_task, runtime.lease
    if task is None or lease is None:
        # an API-only process (FOLLOWER=off): ready without one; another process follows
        return {"enabled": False, "running": False, "lag_seconds": None, "last_error": None}
    # a standby (another process holds the lease) is as ready as the leader
    follower = runtime.follower if lease.state == "leader" else None
    return {
        "enabled": True,
        "role": lease.state,
        "running": not task.done(),
        "lag_seconds": round(follower.status.lag_seconds(), 3) if follower else None,
        "last_error": follower.status.last_error if follower else None,
        "applied_changes": follower.status.applied_changes if follower else None,
        "db_updates": _db_updates(follower),
    }


def _db_updates(follower: Follower | None) -> str | None:
    """How the follower learns which grid databases changed."""
    if follower is None or follower.updates is None:
        return None
    watch = follower.updates
    if watch.available is False:
        return "not offered by this CouchDB: every database is polled"
    if watch.healthy:
        return "following /_db_updates; quiet databases are swept"
    if watch.available is None and watch.last_error is None:
        return "asking CouchDB for /_db_updates"
    return f"not answering ({watch.last_error}): every database is polled meanwhile"
