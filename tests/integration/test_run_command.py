"""The run command as a person uses it: start, serve, Ctrl-C, start again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from backend.settings import REPO_ROOT
from sync.devserver import free_port, port_is_free


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "COUCHDB_URL"}}
    env.update(VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def _start(var_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "backend", "serve", "--demo", "--port", str(port)],
            cwd=REPO_ROOT,
            env=_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> dict[str, object]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not ready in time:\n{log.read_text()}")


def _interrupt(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=30)


def test_ctrl_c_stops_app_and_dev_couch_and_the_next_run_reuses_the_data(
    tmp_path: Path,
) -> None:
    var_dir, log = tmp_path / "var", tmp_path / "serve.log"
    port = free_port()
    process = _start(var_dir, port, log)
    try:
        ready = _wait_ready(port, process, log)
        admin_password = _printed_password(log.read_text(), "admin")
        grids = _get_as_admin(port, admin_password, "/api/grids")
        health = _get_as_admin(port, admin_password, "/api/sync/health")
    finally:
        code = _interrupt(process)
    assert code == 0, log.read_text()
    assert ready == {"status": "ok"}
    assert health["couch"] == "ok"
    assert health["sql"] == "ok"
    assert len(grids) == 6
    first_output = log.read_text()
    printed = [line for line in first_output.splitlines()
               if line.startswith("  ") and " password " in line]  # fmt: skip
    assert len(printed) == 6 + 4, printed  # six tablets, four accounts
    couch_port = int((var_dir / "couch-port").read_text())
    assert port_is_free(couch_port), "the dev CouchDB outlived Ctrl-C"
    assert (var_dir / "inspection.sqlite3").exists()

    log.write_text("")
    process = _start(var_dir, port, log)
    try:
        _wait_ready(port, process, log)
        again = _get_as_admin(port, admin_password, "/api/grids")
    finally:
        assert _interrupt(process) == 0
    assert again == grids
    assert "password " not in log.read_text(), "credentials are printed only once"


def _printed_password(output: str, username: str) -> str:
    match = re.search(rf"^  {username}\s+password (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def _get_as_admin(port: int, password: str, path: str) -> Any:
    base = f"http://127.0.0.1:{port}"
    login = httpx.post(
        f"{base}/api/auth/login", json={"username": "admin", "password": password}, timeout=10
    )
    token = login.json()["access_token"]
    response = httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    return response.json()


def _serve_once(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "serve", "--port", str(free_port())],
        cwd=REPO_ROOT,
        env=_env(tmp_path / "var", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_malformed_database_url_is_one_clear_line(tmp_path: Path) -> None:
    result = _serve_once(tmp_path, DATABASE_URL="postgres//nope")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: DATABASE_URL 'postgres//nope' is not a database URL"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_couchdb_is_one_clear_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = _serve_once(tmp_path, COUCHDB_URL=url, COUCHDB_USER="admin", COUCHDB_PASSWORD="x")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: CouchDB at {url} is not usable")
    assert "Traceback" not in result.stdout


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    result = _serve_once(tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot use the database at postgresql+asyncpg://")
