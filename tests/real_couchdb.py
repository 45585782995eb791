"""Run test suites against a real Apache CouchDB started for the run (CI's steps after
``make test``): ``python -m tests.real_couchdb --home ../shared/couchdb --nodes 3 -- -q tests/e2e``.

The server gets its own folder and free ports and is stopped (and its folder removed)
however the run ends. Tests find it through ``COUCHDB_TEST_URL``/``_USER``/``_PASSWORD``;
fault tests start their own server with the same scripts (``COUCHDB_TEST_HOME``, same node
count). Without the scripts at ``--home`` the step is skipped with a message saying so."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.couch_servers import ApacheCouch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run test suites against Apache CouchDB.")
    parser.add_argument("--home", type=Path, required=True, help="has CouchDB's start/stop")
    parser.add_argument("--nodes", type=int, choices=(1, 3), default=1)
    parser.add_argument("pytest_args", nargs="+", help="suites and pytest options")
    args = parser.parse_args(argv)
    home = args.home.resolve()
    what = "a 3-node cluster" if args.nodes == 3 else "a single node"
    if not (home / "start").is_file() or not (home / "stop").is_file():
        print(f"real CouchDB step skipped: no Apache CouchDB start/stop scripts in {home} "
              f"(the suites ran on the managed dev CouchDB only)", flush=True)  # fmt: skip
        return 0
    with tempfile.TemporaryDirectory(prefix="real-couchdb-") as work:
        server = ApacheCouch(home, Path(work) / "couchdb", admin_password="admin",
                             nodes=args.nodes)  # fmt: skip
        try:
            server.start()
        except subprocess.CalledProcessError as exc:
            print(f"Apache CouchDB ({what}) did not start:\n{exc.stdout}{exc.stderr}", flush=True)
            return 1
        print(f"Apache CouchDB, {what}, at {server.url}: {' '.join(args.pytest_args)}", flush=True)
        environment = {**os.environ, "COUCHDB_TEST_URL": server.url, "COUCHDB_TEST_USER": "admin",
                       "COUCHDB_TEST_PASSWORD": "admin", "COUCHDB_TEST_HOME": str(home),
                       "COUCHDB_TEST_NODES": str(args.nodes)}  # fmt: skip
        try:
            return subprocess.run([sys.executable, "-m", "pytest", *args.pytest_args],
                                  env=environment, check=False).returncode  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
