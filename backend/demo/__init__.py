"""The demo street loaded by the run command: 1 street, 2 communities, 6 grids, a
tablet per grid, an account per level (passwords shown once) and a site register."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account, Role
from backend.accounts.service import create_account
from backend.boundaries.service import activate, active_version, import_boundaries
from backend.database import unit_of_work
from backend.devices.service import IssuedCredentials, register_demo_devices
from backend.grids.service import list_grids
from backend.sites.models import Site
from backend.sites.service import upsert_sites
from sync.couch import CouchClient
from sync.provisioning import Namespace

DEMO_STREET = Path(__file__).resolve().parent / "demo_street.geojson"
DEMO_SITES = Path(__file__).resolve().parent / "demo_sites.json"
DEMO_ACCOUNTS = [
    ("admin", Role.admin, None, "管理员 Admin"),
    ("street", Role.street_supervisor, "demo-street", "街道主管 Street supervisor"),
    ("donghu", Role.community_supervisor, "donghu", "东湖社区主管 Donghu supervisor"),
    ("xixi", Role.community_supervisor, "xixi", "西溪社区主管 Xixi supervisor"),
]


@dataclass
class DemoCredentials:
    tablets: list[IssuedCredentials] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)
    """username → password, for accounts created now."""


async def load_demo_street(
    sessions: async_sessionmaker[AsyncSession], couch: CouchClient, namespace: Namespace
) -> DemoCredentials:
    """Load what is missing of the demo; credentials of what was created now only."""
    created = DemoCredentials()
    async with unit_of_work(sessions) as session:
        if await active_version(session) is None:
            collection = json.loads(DEMO_STREET.read_text(encoding="utf-8"))
            version = await import_boundaries(session, collection, "demo street")
            assert version.id is not None
            await activate(session, version.id, namespace)
        grids = await list_grids(session)
        created.tablets = await register_demo_devices(session, couch, namespace, grids)
        if (await session.exec(select(Site.id).limit(1))).first() is None:
            await upsert_sites(session, json.loads(DEMO_SITES.read_text(encoding="utf-8")))
        existing = set((await session.exec(select(Account.username))).all())
        for username, role, place_id, name in DEMO_ACCOUNTS:
            if username not in existing:
                password = secrets.token_urlsafe(12)
                await create_account(session, username=username, password=password, role=role,
                                     place_id=place_id, display_name=name)  # fmt: skip
                created.accounts[username] = password
    return created
