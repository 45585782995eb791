"""What the app holds while it runs: SQL, CouchDB and the follower."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.throttle import LoginThrottle
from backend.cadence import DEFAULT_RULES, CadenceRule
from backend.couch_proxy.upstream import LongPollGate
from backend.devices.service import IssuedCredentials
from backend.lease import Lease
from backend.live.tickets import UsedTickets
from backend.photos.storage import MediaStore
from geo.blind_spots import DEFAULT_REACH_M
from sync.couch import CouchClient
from sync.devserver import Supervision
from sync.follower import Follower
from sync.provisioning import Namespace


@dataclass
class Runtime:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    couch: CouchClient
    namespace: Namespace
    couch_public_url: str = ""
    media: MediaStore | None = None
    """The CouchDB URL tablets replicate with."""
    follower: Follower | None = None
    issued_credentials: list[IssuedCredentials] = field(default_factory=list)
    """Passwords of demo tablets registered at this start (printed once)."""
    demo_accounts: dict[str, str] = field(default_factory=dict)
    """Passwords of demo accounts created at this start (printed once)."""
    follower_task: asyncio.Task[None] | None = None
    """The lease loop: following while it holds the lease, standing by otherwise."""
    lease: Lease | None = None
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    coverage_rules: tuple[CadenceRule, ...] = DEFAULT_RULES
    patrol_reach_m: float = DEFAULT_REACH_M
    """How far from a walked track a grid counts as patrolled."""
    basemap: Path | None = None
    """The base map archive served at /basemap/ (``None``: none)."""
    couch_proxy: httpx.AsyncClient | None = None
    """Pooled, credential-free connections for ``/couch/`` (browsers' replication)."""
    long_polls: LongPollGate = field(default_factory=LongPollGate)
    """Feeds each tablet holds open through ``/couch/`` (capped per tablet)."""
    dev_couch: Supervision | None = None
    """The managed dev CouchDB's supervision; ``None`` for a CouchDB given by URL."""
    used_tickets: UsedTickets = field(default_factory=UsedTickets)
    """Event-stream tickets already used (each opens one stream)."""
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    """Failed sign-ins per account and per client address (growing delays)."""
