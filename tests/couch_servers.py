"""The CouchDB the tests talk to: the managed dev server by default, or any real CouchDB
named by ``COUCHDB_TEST_URL`` (with ``COUCHDB_TEST_USER``/``COUCHDB_TEST_PASSWORD``, an
admin). Fault tests need a server they can kill and restart: with ``COUCHDB_TEST_HOME``
(a folder holding Apache CouchDB's ``start`` and ``stop``, as ``../shared/couchdb``)
they run their own Apache CouchDB there (``COUCHDB_TEST_NODES=3``: a 3-node cluster);
otherwise their own dev server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sync.couch import CouchCredentials
from sync.devserver import DevCouch, free_port, port_is_free


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

    def __init__(
        self, home: Path, work: Path, admin_password: str = "admin", nodes: int = 1
    ) -> None:
        self.home, self.work, self.nodes = home, work, nodes
        self.port = free_ports(nodes)
        self.admin_password = admin_password
        self.restarted: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> CouchCredentials:
        return CouchCredentials(self.url, "admin", self.admin_password)

    def start(self) -> None:
        subprocess.run([str(self.home / "start"), "--dir", str(self.work), "--port",
                        str(self.port), "--nodes", str(self.nodes),
                        "--admin", f"admin:{self.admin_password}"],
                       check=True, capture_output=True, text=True, timeout=120)  # fmt: skip

    def kill(self) -> None:
        for pid in (self.work / "pids").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        subprocess.run([str(self.home / "stop"), "--dir", str(self.work)],
                       capture_output=True, timeout=60, check=False)  # fmt: skip

    def node_url(self, node: int) -> str:
        """Node 1, 2 or 3 of a cluster (each answers for the whole cluster)."""
        return f"http://127.0.0.1:{self.port + node - 1}"

    def kill_node(self, node: int) -> None:
        """One node of a cluster dies (SIGKILL); the others go on."""
        pids = (self.work / "pids").read_text().split()
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pids[node - 1]), signal.SIGKILL)

    def start_node(self, node: int) -> None:
        """The killed node again, on its own data and config, launched as ``start`` does;
        its PID goes back into ``pids`` so that ``stop`` ends it too."""
        folder = self.work / f"node{node}"
        release = self.home / "release"
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("ERL_", "COUCHDB_"))}  # fmt: skip
        environment.update(HOME=str(folder), ERL_EPMD_ADDRESS="127.0.0.1",
                           ERL_CRASH_DUMP=str(folder / "erl_crash.dump"),
                           COUCHDB_ARGS_FILE=str(folder / "vm.args"),
                           COUCHDB_INI_FILES=f"{release}/etc/default.ini {folder}/local.ini",
                           )  # fmt: skip
        with (folder / "couchdb.log").open("ab") as log:
            process = subprocess.Popen(["setsid", str(release / "bin" / "couchdb")], cwd=folder,
                                       env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT)  # fmt: skip
        self.restarted.append(process)
        pids = (self.work / "pids").read_text().split()
        pids[node - 1] = str(process.pid)
        (self.work / "pids").write_text("\n".join(pids) + "\n")

    def stop(self) -> None:
        subprocess.run([str(self.home / "stop"), "--dir", str(self.work)],
                       capture_output=True, timeout=60, check=False)  # fmt: skip
        for process in self.restarted:  # nodes started again by the test: reaped here
            process.wait(timeout=30)


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports (a cluster's nodes listen on them)."""
    while True:
        first = free_port()
        if all(port_is_free(first + n) for n in range(1, count)):
            return first


def fault_couch(
    work: Path, admin_password: str, port_file: Path | None = None
) -> DevCouch | ApacheCouch:
    """A CouchDB of the test's own, to kill and restart."""
    home = os.environ.get("COUCHDB_TEST_HOME")
    if home:
        nodes = int(os.environ.get("COUCHDB_TEST_NODES", "1"))
        return ApacheCouch(Path(home), work, admin_password, nodes)
    return DevCouch(work, admin_password=admin_password, port_file=port_file)
