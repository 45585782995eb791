"""Command line: ``python -m backend serve|migrate|demo-basemap|create-admin|devices``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence

import uvicorn

from backend.admin_commands import add_admin_commands, run_admin_command
from backend.basemap.demo import demo_basemap
from backend.database import DatabaseUrlError, create_engine, ensure_sqlite_directory
from backend.errors import DomainError
from backend.lifespan import StartupError
from backend.migrate import migrate
from backend.preflight import preflight
from backend.settings import Settings, SettingsError
from sync.couch import CouchError

CLEAR_ERRORS = (
    SettingsError, DatabaseUrlError, StartupError, DomainError, CouchError, OSError,
    json.JSONDecodeError,
)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the follower polls often
    if args.command != "serve":
        logging.getLogger("alembic").setLevel(logging.WARNING)  # keep stdout/stderr for results
    try:
        settings = Settings.from_env()
        if getattr(args, "demo", False):
            settings = settings.with_changes(demo=True)
        if args.command == "demo-basemap":
            print(demo_basemap())
            return 0
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            return 0
        if args.command in {"devices", "create-admin", "boundaries"}:
            asyncio.run(run_admin_command(settings, args))
            return 0
        asyncio.run(preflight(settings))
    except CLEAR_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _serve(settings, args.host or settings.host, args.port or settings.port)


def _serve(settings: Settings, host: str, port: int) -> int:
    from backend.app import create_app  # noqa: PLC0415 — only when serving

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    return 0


async def _migrate(settings: Settings) -> None:
    ensure_sqlite_directory(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the API, the follower and (by default) a dev CouchDB"
    )
    serve.add_argument("--demo", action="store_true", help="load the demo street and tablets")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    commands.add_parser("migrate", help="apply database migrations and exit")
    commands.add_parser(
        "demo-basemap", help="draw the demo street's base map under var/basemap (once) and exit"
    )
    add_admin_commands(commands)
    return parser
