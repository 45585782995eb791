"""Checks made before serving, so a bad setting is one clear line, not a traceback."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.engine import make_url

from backend.basemap.archive import BaseMapError, archive_facts
from backend.database import check_database_url, create_engine, ensure_sqlite_directory
from backend.lifespan import StartupError, check_couch
from backend.settings import Settings
from sync.couch import CouchClient


async def preflight(settings: Settings) -> None:
    """Raise :class:`StartupError` (or a settings error) when start-up cannot succeed."""
    check_database_url(settings.database_url)
    if settings.basemap_path is not None:
        try:
            archive_facts(settings.basemap_path)
        except BaseMapError as exc:
            raise StartupError(str(exc)) from None
    await check_database(settings.database_url)
    if settings.couch is not None:
        async with CouchClient.from_credentials(settings.couch, timeout=5.0) as couch:
            await check_couch(couch)


async def check_database(url: str, wait_seconds: float = 10.0) -> None:
    ensure_sqlite_directory(url)
    engine = create_engine(url)
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        async with asyncio.timeout(wait_seconds), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except TimeoutError:
        raise StartupError(
            f"database at {shown} did not answer within {wait_seconds:.0f}s"
        ) from None
    except Exception as exc:  # driver errors differ; all mean "cannot use it"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(f"cannot use the database at {shown}: {reason}") from None
    finally:
        await engine.dispose()
