"""Request-scoped dependencies: one SQL transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import unit_of_work
from backend.runtime import Runtime


def provide_runtime(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """Commits once when the handler returns; rolls back when it raises."""
    runtime: Runtime = state.runtime
    async with unit_of_work(runtime.sessions) as session:
        yield session
