"""Bring CouchDB in line with SQL: one secured database per grid, carrying its
``grid`` document and the checklist ``form`` documents."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import unit_of_work
from backend.devices.service import device_users_by_grid
from backend.forms import default_forms
from backend.grids.publication import grid_documents
from backend.grids.service import grid_databases
from sync.couch import CouchClient
from sync.provisioning import provision_grid_database


async def provision_grids(sessions: async_sessionmaker[AsyncSession], couch: CouchClient) -> int:
    """:func:`provision_grids_in` in a transaction of its own."""
    async with unit_of_work(sessions) as session:
        return await provision_grids_in(session, couch)


async def provision_grids_in(session: AsyncSession, couch: CouchClient) -> int:
    """Create missing grid databases, reapply security and rules, publish grid and
    form documents (only when they changed); returns how many databases were created."""
    databases = await grid_databases(session)
    users = await device_users_by_grid(session)
    grids = await grid_documents(session)
    forms = default_forms()
    created = 0
    for db, grid_id in sorted(databases.items()):
        created += await provision_grid_database(couch, db, users.get(grid_id, []))
        await couch.ensure_docs(db, [grids[db], *forms])
    return created
