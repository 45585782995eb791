"""The demo street loaded by the run command: 1 street, 2 communities, 6 grids."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import unit_of_work
from backend.devices.service import IssuedCredentials, register_demo_devices
from backend.grids.service import add_missing_places, list_grids
from geo.hierarchy import read_hierarchy
from sync.couch import CouchClient
from sync.provisioning import Namespace

DEMO_STREET = Path(__file__).resolve().parent / "demo_street.geojson"


async def load_demo_street(
    sessions: async_sessionmaker[AsyncSession], couch: CouchClient, namespace: Namespace
) -> list[IssuedCredentials]:
    """Load the demo places and a tablet per grid; credentials of new tablets only."""
    places = read_hierarchy(json.loads(DEMO_STREET.read_text(encoding="utf-8")))
    async with unit_of_work(sessions) as session:
        await add_missing_places(session, places, namespace)
        grids = await list_grids(session)
        return await register_demo_devices(session, couch, namespace, grids)
