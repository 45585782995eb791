"""Request-scoped dependencies: one SQL transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.database import unit_of_work
from backend.runtime import Runtime


def provide_account(request: Request[Account, Any, Any]) -> Account:
    """The signed-in account (routes outside the public paths always have one)."""
    return request.user


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_session(
    state: State, request: Request[Any, Any, Any]
) -> AsyncIterator[AsyncSession]:
    """Commits once when the handler returns; rolls back when it raises. Reads (GET,
    HEAD) run in read-only transactions."""
    runtime: Runtime = state.runtime
    read_only = request.method in {"GET", "HEAD"}
    async with unit_of_work(runtime.sessions, read_only=read_only) as session:
        yield session
