"""Derivatives stored by content under the media directory (S3 can come later behind
the same two methods)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

KINDS = ("thumbnail", "screen")


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: str, sha256: str) -> Path:
        if (
            kind not in KINDS
            or len(sha256) != 64
            or not all(c in "0123456789abcdef" for c in sha256)
        ):
            raise ValueError("unknown derivative")
        return self.root / kind / sha256[:2] / f"{sha256}.jpg"

    def put(self, kind: str, sha256: str, data: bytes) -> None:
        """Write atomically: a reader never sees half a file."""
        target = self.path(kind, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)

    def read(self, kind: str, sha256: str) -> bytes | None:
        target = self.path(kind, sha256)
        return target.read_bytes() if target.exists() else None
