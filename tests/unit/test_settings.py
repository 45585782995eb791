"""Settings come from the environment, when asked, with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.database import DatabaseUrlError, check_database_url
from backend.settings import Settings, SettingsError


def test_defaults_use_a_sqlite_file_and_the_managed_couch(tmp_path: Path) -> None:
    settings = Settings.from_env({"VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'inspection.sqlite3'}"
    assert settings.couch is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_the_dev_jwt_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"VAR_DIR": str(tmp_path)}).jwt_secret
    second = Settings.from_env({"VAR_DIR": str(tmp_path)}).jwt_secret
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0


def test_production_requires_a_jwt_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET is required"):
        Settings.from_env({"VAR_DIR": str(tmp_path), "ENV": "production"})
    assert not (tmp_path / "jwt-secret").exists()


def test_a_couchdb_url_needs_credentials(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="COUCHDB_USER"):
        Settings.from_env({"VAR_DIR": str(tmp_path), "COUCHDB_URL": "http://couch:5984"})
    settings = Settings.from_env(
        {
            "VAR_DIR": str(tmp_path),
            "COUCHDB_URL": "https://couch:5984/",
            "COUCHDB_USER": "admin",
            "COUCHDB_PASSWORD": "secret",
        }
    )
    assert settings.couch is not None
    assert settings.couch.url == "https://couch:5984"


def test_a_bad_port_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORT='eighty'"):
        Settings.from_env({"VAR_DIR": str(tmp_path), "PORT": "eighty"})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres//nope", "is not a database URL"),
        ("mysql+pymysql://root@localhost/test", "use postgresql+asyncpg or sqlite+aiosqlite"),
        ("postgresql://postgres@localhost/test", "use postgresql+asyncpg"),
    ],
)
def test_unsupported_database_urls_say_what_to_use(url: str, message: str) -> None:
    with pytest.raises(DatabaseUrlError, match=re.escape(message)):
        check_database_url(url)


def test_the_street_time_zone_and_coverage_rules_are_checked(tmp_path: Path) -> None:
    env = {"VAR_DIR": str(tmp_path)}
    assert Settings.from_env(env).time_zone.key == "Asia/Shanghai"
    assert Settings.from_env({**env, "STREET_TIME_ZONE": "Asia/Urumqi"}).time_zone.key \
        == "Asia/Urumqi"  # fmt: skip
    rules = '[{"kind": "patrol", "level": "grid", "every_days": 3}]'
    assert [r.every_days for r in Settings.from_env({**env, "COVERAGE_RULES": rules})
            .coverage_rules] == [3]  # fmt: skip
    with pytest.raises(SettingsError, match="STREET_TIME_ZONE='Mars/Olympus'"):
        Settings.from_env({**env, "STREET_TIME_ZONE": "Mars/Olympus"})
    with pytest.raises(SettingsError, match="COVERAGE_RULES: rule 0: kind"):
        Settings.from_env({**env, "COVERAGE_RULES": rules.replace("patrol", "nap")})


@pytest.mark.parametrize("name", ["DATABASE_POOL_TIMEOUT", "LIVE_CATCH_UP_SECONDS"])
@pytest.mark.parametrize("raw", ["soon", "0", "-3", "nan", "inf"])
def test_durations_must_be_seconds_above_zero(tmp_path: Path, name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}='{raw}' is not a number of seconds"):
        Settings.from_env({"VAR_DIR": str(tmp_path), name: raw})


def test_the_database_pool_is_read_from_the_environment(tmp_path: Path) -> None:
    env = {"VAR_DIR": str(tmp_path), "DATABASE_POOL_SIZE": "2", "DATABASE_POOL_OVERFLOW": "0",
           "DATABASE_POOL_TIMEOUT": "1.5", "LIVE_CATCH_UP_SECONDS": "3"}  # fmt: skip
    settings = Settings.from_env(env)
    pool = settings.database_pool
    assert (pool.size, pool.overflow, pool.timeout) == (2, 0, 1.5)
    assert settings.live_catch_up_seconds == 3.0


@pytest.mark.parametrize("raw", ["far", "0", "-5", "nan", "inf"])
def test_the_patrol_reach_must_be_metres_above_zero(tmp_path: Path, raw: str) -> None:
    with pytest.raises(SettingsError, match=f"PATROL_REACH_M='{raw}' is not a number of metres"):
        Settings.from_env({"VAR_DIR": str(tmp_path), "PATROL_REACH_M": raw})
    assert Settings.from_env({"VAR_DIR": str(tmp_path)}).patrol_reach_m == 50
    farther = Settings.from_env({"VAR_DIR": str(tmp_path), "PATROL_REACH_M": "80"})
    assert farther.patrol_reach_m == 80


@pytest.mark.parametrize("raw", ["ninety", "0", "-1", "1.5"])
def test_the_track_retention_is_whole_days_above_zero(tmp_path: Path, raw: str) -> None:
    with pytest.raises(SettingsError, match="TRACK_RETENTION_DAYS="):
        Settings.from_env({"VAR_DIR": str(tmp_path), "TRACK_RETENTION_DAYS": raw})
    assert Settings.from_env({"VAR_DIR": str(tmp_path)}).track_retention_days == 90
