"""The map's vendored libraries are exactly the npm-pinned releases, and the page loads
nothing from another host."""

from __future__ import annotations

import json
import re

import pytest

from backend.settings import REPO_ROOT

STATIC = REPO_ROOT / "backend" / "web" / "static"
VENDORED = {
    "vendor/leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "vendor/leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "vendor/markercluster/leaflet.markercluster.js":
        "leaflet.markercluster/dist/leaflet.markercluster.js",
    "vendor/markercluster/MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "vendor/markercluster/MarkerCluster.Default.css":
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
}  # fmt: skip


@pytest.mark.parametrize(("ours", "npm"), VENDORED.items())
def test_vendored_files_are_the_pinned_npm_release(ours: str, npm: str) -> None:
    assert (STATIC / ours).read_bytes() == (REPO_ROOT / "node_modules" / npm).read_bytes()


def test_the_pins_are_exact() -> None:
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/leaflet"]["version"] == "1.9.4"
    assert lock["node_modules/leaflet.markercluster"]["version"] == "1.5.3"


def test_the_page_loads_nothing_from_another_host() -> None:
    for name in ("map.html", "map.js", "map.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert not re.search(r"https?://", text), name
