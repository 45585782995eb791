"""Settings, read from the environment when :meth:`Settings.from_env` is called."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.cadence import DEFAULT_RULES, CadenceError, CadenceRule, parse_rules
from backend.database import PoolSize
from geo.blind_spots import DEFAULT_REACH_M
from sync.couch import CouchCredentials

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "development"
    var_dir: Path = REPO_ROOT / "var"
    database_url: str = ""
    database_pool: PoolSize = field(default_factory=PoolSize)
    """PostgreSQL pool per process (``DATABASE_POOL_SIZE``, ``_OVERFLOW``, ``_TIMEOUT``)."""
    couch: CouchCredentials | None = None
    """``None``: start and manage the development CouchDB under ``var_dir``."""
    couch_namespace: str = ""
    jwt_secret: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    demo: bool = False
    """Load the demo street (grids, one device per grid) at start."""
    bootstrap_admin: tuple[str, str] | None = field(default=None, repr=False)
    """(username, password) of an admin created at start when missing."""
    couch_public_url: str | None = None
    """The CouchDB URL tablets use, when it differs from the server's own."""
    media_dir: Path | None = None
    """Where photo derivatives are stored; ``var_dir/media`` when unset."""
    follower_enabled: bool = True
    follower_idle_interval: float = 0.5
    follower_max_idle: float = 2.0
    """A quiet grid database is polled at least this often (seconds)."""
    follower_batch_size: int = 200
    follower_sweep_seconds: float = 300.0
    """Where CouchDB has ``/_db_updates`` (Apache CouchDB), a quiet grid database is read
    only when that feed names it, and in a safety sweep this often (seconds)."""
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    """The street's time zone: local days of deadlines and reporting periods."""
    coverage_rules: tuple[CadenceRule, ...] = DEFAULT_RULES
    """How often each kind of inspection is due (``COVERAGE_RULES``, JSON)."""
    redis_url: str | None = None
    """Live updates through Redis, for several app processes; in memory when unset."""
    live_catch_up_seconds: float = 15.0
    """How often an open event stream looks in SQL for changes it missed."""
    patrol_reach_m: float = DEFAULT_REACH_M
    """How far from a walked track a grid counts as patrolled (``PATROL_REACH_M``)."""
    track_retention_days: int = 90
    """Patrol tracks older than this are deleted, audited (``TRACK_RETENTION_DAYS``)."""
    basemap_path: Path | None = None
    """A raster PMTiles archive the maps draw under everything, offline too
    (``BASEMAP_PMTILES``); with the demo and none named, the demo street's drawn map."""
    map_tile_url: str | None = None
    """A tile server for the map (``https://tiles.example/{z}/{x}/{y}.png``); without
    one the grid polygons are the base map."""

    def __post_init__(self) -> None:
        if not self.database_url:
            url = f"sqlite+aiosqlite:///{self.var_dir / 'inspection.sqlite3'}"
            object.__setattr__(self, "database_url", url)

    @property
    def media_root(self) -> Path:
        return self.media_dir or self.var_dir / "media"

    @property
    def production(self) -> bool:
        return self.env == "production"

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("VAR_DIR", str(REPO_ROOT / "var")))
        mode = env.get("ENV", "development")
        return cls(
            env=mode,
            var_dir=var_dir,
            database_url=env.get("DATABASE_URL", ""),
            database_pool=PoolSize(
                size=_int(env, "DATABASE_POOL_SIZE", 10),
                overflow=_int(env, "DATABASE_POOL_OVERFLOW", 5),
                timeout=_seconds(env, "DATABASE_POOL_TIMEOUT", 10.0),
            ),
            couch=_couch_from_env(env),
            couch_namespace=env.get("COUCHDB_NAMESPACE", ""),
            jwt_secret=_jwt_secret(env, mode, var_dir),
            host=env.get("HOST", "127.0.0.1"),
            port=_int(env, "PORT", 8000),
            demo=env.get("DEMO", "") in {"1", "true", "yes"},
            follower_enabled=env.get("FOLLOWER", "on") != "off",
            follower_batch_size=_int(env, "FOLLOWER_BATCH_SIZE", 200),
            follower_sweep_seconds=_seconds(env, "FOLLOWER_SWEEP_SECONDS", 300.0),
            bootstrap_admin=_bootstrap_admin(env),
            couch_public_url=env.get("COUCHDB_PUBLIC_URL") or None,
            media_dir=Path(env["MEDIA_DIR"]) if env.get("MEDIA_DIR") else None,
            time_zone=_time_zone(env.get("STREET_TIME_ZONE") or "Asia/Shanghai"),
            coverage_rules=_coverage_rules(env.get("COVERAGE_RULES", "")),
            redis_url=env.get("REDIS_URL") or None,
            map_tile_url=env.get("MAP_TILE_URL") or None,
            basemap_path=Path(env["BASEMAP_PMTILES"]) if env.get("BASEMAP_PMTILES") else None,
            live_catch_up_seconds=_seconds(env, "LIVE_CATCH_UP_SECONDS", 15.0),
            patrol_reach_m=_metres(env, "PATROL_REACH_M", DEFAULT_REACH_M),
            track_retention_days=_days(env, "TRACK_RETENTION_DAYS", 90),
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    days = _int(env, name, default)
    if days < 1:
        raise SettingsError(f"{name}={days!r} is not a number of days above 0")
    return days


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    return _positive(env, name, default, "seconds")


def _metres(env: Mapping[str, str], name: str, default: float) -> float:
    return _positive(env, name, default, "metres")


def _positive(env: Mapping[str, str], name: str, default: float, unit: str) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name}={raw!r} is not a number of {unit} above 0")
    return value


def _time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"STREET_TIME_ZONE={name!r} is not a known time zone") from None


def _coverage_rules(raw: str) -> tuple[CadenceRule, ...]:
    if not raw:
        return DEFAULT_RULES
    try:
        return parse_rules(raw)
    except CadenceError as exc:
        raise SettingsError(f"COVERAGE_RULES: {exc}") from None


def _bootstrap_admin(env: Mapping[str, str]) -> tuple[str, str] | None:
    username, password = env.get("ADMIN_USERNAME", ""), env.get("ADMIN_PASSWORD", "")
    if not username and not password:
        return None
    if not username or len(password) < 10:
        raise SettingsError("ADMIN_USERNAME needs ADMIN_PASSWORD of at least 10 characters")
    return username, password


def _couch_from_env(env: Mapping[str, str]) -> CouchCredentials | None:
    url = env.get("COUCHDB_URL", "")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"COUCHDB_URL={url!r} must start with http:// or https://")
    user, password = env.get("COUCHDB_USER", ""), env.get("COUCHDB_PASSWORD", "")
    if not user or not password:
        raise SettingsError("COUCHDB_URL is set, so COUCHDB_USER and COUCHDB_PASSWORD must be")
    return CouchCredentials(url.rstrip("/"), user, password)


def _jwt_secret(env: Mapping[str, str], mode: str, var_dir: Path) -> str:
    secret = env.get("JWT_SECRET", "")
    if secret:
        if len(secret) < 32:
            raise SettingsError("JWT_SECRET must be at least 32 characters")
        return secret
    if mode == "production":
        raise SettingsError("JWT_SECRET is required when ENV=production")
    return dev_secret(var_dir / "jwt-secret")


def private_directory(path: Path) -> Path:
    """A folder only this service's user may enter (secrets, the SQLite file, photos)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def dev_secret(path: Path) -> str:
    """A random secret generated once and kept in a file under ``var/``."""
    if path.exists():
        return path.read_text().strip()
    private_directory(path.parent)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret + "\n")
    return secret
