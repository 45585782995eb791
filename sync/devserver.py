"""The managed development CouchDB: ``pouchdb-server`` pinned in package-lock.json.

It stands in for Apache CouchDB 3 on a developer machine and in tests. The server
writes ``config.json`` and ``log.txt`` into its working directory, so it runs in a
fresh temporary directory; documents live in ``data_dir`` (LevelDB) and survive a
restart. The admin is set through ``/_config`` right after start, every time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from sync.couch import CouchCredentials

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_BIN = REPO_ROOT / "node_modules" / ".bin" / "pouchdb-server"


class DevCouchError(RuntimeError):
    """The development CouchDB could not be started."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether a server could listen there now. Like Node, with SO_REUSEADDR: a port whose
    last connections linger in TIME_WAIT is free (a restarted dev CouchDB keeps its port,
    so tablets keep their URL); one with a listener is not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _read_port(path: Path | None) -> int | None:
    if path is None or not path.exists():
        return None
    text = path.read_text().strip()
    return int(text) if text.isdigit() and 1024 <= int(text) <= 65535 else None


class DevCouch:
    """One running ``pouchdb-server`` process bound to 127.0.0.1."""

    def __init__(
        self, data_dir: Path, *, admin_password: str | None = None, port_file: Path | None = None
    ) -> None:
        self.data_dir = data_dir
        self.port_file = port_file
        self.admin_user = "admin"
        self.admin_password = admin_password or secrets.token_urlsafe(18)
        self.port = 0
        self._workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> CouchCredentials:
        return CouchCredentials(self.url, self.admin_user, self.admin_password)

    @property
    def log_path(self) -> Path | None:
        return self._workdir / "server.log" if self._workdir else None

    def start(self, *, ready_timeout: float = 60.0, port: int | None = None) -> None:
        if not SERVER_BIN.exists():
            raise DevCouchError(f"dev CouchDB is not installed ({SERVER_BIN}); run `make install`")
        if shutil.which("node") is None:
            raise DevCouchError("Node.js is not on PATH; the dev CouchDB needs it")
        from sync.devpatch import is_patched  # noqa: PLC0415 — avoids an import cycle

        if not is_patched(REPO_ROOT):
            raise DevCouchError("the dev CouchDB lacks its fix; run `make install`")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._remove_workdir()  # a restart after kill() leaves the last one behind
        self._workdir = Path(tempfile.mkdtemp(prefix="dev-couch-"))
        self.port = port or self._choose_port()
        command = [
            str(SERVER_BIN),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--config", str(self._workdir / "config.json"),
            "--no-color",
        ]  # fmt: skip
        with (self._workdir / "server.log").open("wb") as log:
            self._process = subprocess.Popen(
                command,
                cwd=self._workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the app first; we stop it after
            )
        try:
            self._wait_ready(ready_timeout)
            self._set_admin()
        except BaseException:
            self.stop()
            raise

    def _choose_port(self) -> int:
        """The port of the last run when it is still free (tablets keep their URL)."""
        previous = _read_port(self.port_file)
        port = previous if previous and port_is_free(previous) else free_port()
        if self.port_file is not None:
            self.port_file.write_text(f"{port}\n")
        return port

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise DevCouchError(f"dev CouchDB exited at start; see {self.log_path}")
            try:
                if httpx.get(self.url + "/", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise DevCouchError(
            f"dev CouchDB did not answer within {timeout:.0f}s; see {self.log_path}"
        )

    def _set_admin(self) -> None:
        response = httpx.put(
            f"{self.url}/_config/admins/{self.admin_user}",
            json=self.admin_password,
            timeout=10.0,
        )
        if response.status_code != 200:
            raise DevCouchError(f"could not set the dev CouchDB admin: {response.text}")

    def stop(self, *, grace: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._remove_workdir()

    def _remove_workdir(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def restart(self) -> None:
        """Start again after a death, on the same port when it is free."""
        port = self.port
        self.stop()
        self.start(port=port if port and port_is_free(port) else None)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def exit_status(self) -> int | None:
        """The status it died with; ``None`` while it runs (or was never started)."""
        return None if self._process is None else self._process.poll()

    def kill(self) -> None:
        """Stop abruptly, as a crash would (for fault tests)."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


@dataclass
class Supervision:
    """What the supervisor saw of the managed dev CouchDB (for ``/ready`` and admins)."""

    restarts: int = 0
    last_exit: str | None = None
    """When it last died and its exit status."""
    last_error: str | None = None
    """Why the last restart failed (``None`` once one succeeded)."""
    running: bool = True
    pid: int | None = None
    """The server's process (group) id."""


async def supervise(server: DevCouch, seen: Supervision, *, interval: float = 1.0) -> None:
    """Restart the dev CouchDB on its own port whenever it dies, and say so; runs until
    cancelled. A dead server stops every tablet's sync; nothing else would bring it back."""
    seen.pid = server.pid
    while True:
        await asyncio.sleep(interval)
        status = server.exit_status
        if status is None:
            continue
        seen.running = False
        seen.last_exit = f"{datetime.now(UTC).isoformat(timespec='seconds')} status {status}"
        log.error("dev CouchDB died (%s); restarting it on port %s", seen.last_exit, server.port)
        try:
            await asyncio.to_thread(server.restart)
        except DevCouchError as exc:
            seen.last_error = str(exc)
            log.error("dev CouchDB could not be restarted: %s", exc)
            continue
        seen.restarts += 1
        seen.running, seen.last_error, seen.pid = True, None, server.pid
        log.warning("dev CouchDB restarted at %s", server.url)


@contextmanager
def managed_dev_couch(data_dir: Path, *, admin_password: str | None = None) -> Iterator[DevCouch]:
    """Start the dev CouchDB for the duration of the block, then stop it."""
    server = DevCouch(data_dir, admin_password=admin_password)
    server.start()
    try:
        yield server
    finally:
        server.stop()
