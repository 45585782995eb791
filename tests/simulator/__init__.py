"""Drive PouchDB tablets (``tablet.mjs``) from tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "tablet.mjs"


class SimulatorError(RuntimeError):
    pass


class Tablet:
    """One PouchDB tablet with its own local database, signed in as a device user."""

    def __init__(
        self,
        workdir: Path,
        *,
        remote: str,
        user: str,
        password: str,
        device_id: str,
        grid_id: str,
        lat: float = 30.2712,
        lon: float = 120.1523,
    ) -> None:
        self.dir = workdir
        workdir.parent.mkdir(parents=True, exist_ok=True)
        self.remote, self.user, self.password = remote, user, password
        self.device_id, self.grid_id = device_id, grid_id
        self.lat, self.lon = lat, lon

    async def run(self, command: str, *args: str, check: bool = True) -> dict[str, Any]:
        options = {
            "dir": self.dir, "remote": self.remote, "user": self.user,
            "password": self.password, "device": self.device_id, "grid": self.grid_id,
            "lat": self.lat, "lon": self.lon,
        }  # fmt: skip
        # --name=value: a value may start with a dash (random passwords do)
        process = await asyncio.create_subprocess_exec(
            "node", str(SCRIPT), command, *(f"--{k}={v}" for k, v in options.items()), *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        if process.returncode != 0 and check:
            raise SimulatorError(f"tablet {command} failed: {out.decode()} {err.decode()}")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        return result

    async def create(
        self,
        *,
        hazards: int = 0,
        inspections: int = 0,
        photos: int = 0,
        invalid_every: int = 0,
        v0_every: int = 0,
    ) -> list[str]:
        """Write documents offline; their ids."""
        result = await self.run(
            "create",
            f"--hazards={hazards}", f"--inspections={inspections}", f"--photos={photos}",
            f"--invalid-every={invalid_every}", f"--v0-every={v0_every}",
        )  # fmt: skip
        if result["failed"]:
            raise SimulatorError(f"{result['failed']} local writes failed")
        ids: list[str] = result["ids"]
        return ids

    async def sync(self, direction: str = "sync") -> dict[str, Any]:
        """Replicate once (``push``, ``pull`` or ``sync`` both ways)."""
        return await self.run(direction)

    async def docs(self, doc_type: str) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = (await self.run("list", f"--type={doc_type}"))["docs"]
        return docs

    async def rectify(self, hazard_id: str, *, photos: int = 1) -> str:
        """Write the worker's rectification report about a hazard, offline; its id."""
        result = await self.run("rectify", f"--id={hazard_id}", f"--photos={photos}")
        return str(result["id"])

    async def edit(self, doc_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return await self.run("edit", f"--id={doc_id}", f"--set={json.dumps(changes)}")
