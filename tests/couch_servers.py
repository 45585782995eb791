"""The CouchDB the tests talk to: the managed dev server by default, or any real CouchDB
named by ``COUCHDB_TEST_URL`` (with ``COUCHDB_TEST_USER``/``COUCHDB_TEST_PASSWORD``, an
admin). Fault tests need a server they can kill and restart: with ``COUCHDB_TEST_HOME``
(a folder holding Apache CouchDB's ``start`` and ``stop``, as ``../shared/couchdb``)
they run their own Apache CouchDB there; otherwise their own dev server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sync.couch import CouchCredentials
from sync.devserver import DevCouch, free_port


@dataclass(frozen=True)
class ExternalCouch:
    """A CouchDB someone else runs: only its address and admin credentials."""

    url: str
    credentials: CouchCredentials


def external_couch() -> ExternalCouch | None:
    url = os.environ.get("COUCHDB_TEST_URL", "").rstrip("/")
    if not url:
        return None
    user = os.environ.get("COUCHDB_TEST_USER", "admin")
    password = os.environ.get("COUCHDB_TEST_PASSWORD", "admin")
    return ExternalCouch(url, CouchCredentials(url, user, password))


class ApacheCouch:
    """Apache CouchDB started with ``COUCHDB_TEST_HOME``'s scripts, in its own folder and
    port: killed (SIGKILL, as a crash) and started again on the same data by fault tests."""

    def __init__(self, home: Path, work: Path, admin_password: str = "admin") -> None:
        self.home, self.work = home, work
        self.port = free_port()
        self.admin_password = admin_password

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> CouchCredentials:
        return CouchCredentials(self.url, "admin", self.admin_password)

    def start(self) -> None:
        subprocess.run([str(self.home / "start"), "--dir", str(self.work), "--port",
                        str(self.port), "--admin", f"admin:{self.admin_password}"],
                       check=True, capture_output=True, timeout=120)  # fmt: skip

    def kill(self) -> None:
        for pid in (self.work / "pids").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        subprocess.run([str(self.home / "stop"), "--dir", str(self.work)],
                       capture_output=True, timeout=60, check=False)  # fmt: skip

    def stop(self) -> None:
        subprocess.run([str(self.home / "stop"), "--dir", str(self.work)],
                       capture_output=True, timeout=60, check=False)  # fmt: skip


def fault_couch(
    work: Path, admin_password: str, port_file: Path | None = None
) -> DevCouch | ApacheCouch:
    """A CouchDB of the test's own, to kill and restart."""
    home = os.environ.get("COUCHDB_TEST_HOME")
    if home:
        return ApacheCouch(Path(home), work, admin_password)
    return DevCouch(work, admin_password=admin_password, port_file=port_file)
