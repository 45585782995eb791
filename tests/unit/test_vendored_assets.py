"""The map's vendored libraries are exactly the npm-pinned releases, and the page loads
nothing from another host."""

from __future__ import annotations

import json
import re

import pytest

from backend.settings import REPO_ROOT

WEB = REPO_ROOT / "backend" / "web"
VENDORED = {
    "static/vendor/leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "static/vendor/leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "static/vendor/markercluster/leaflet.markercluster.js":
        "leaflet.markercluster/dist/leaflet.markercluster.js",
    "static/vendor/markercluster/MarkerCluster.css":
        "leaflet.markercluster/dist/MarkerCluster.css",
    "static/vendor/markercluster/MarkerCluster.Default.css":
        "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "field/vendor/pouchdb.min.js": "pouchdb/dist/pouchdb.min.js",
    "field/vendor/ajv2020.min.js": "ajv-dist/dist/ajv2020.min.js",
    "static/vendor/qrcode/qrcode.js": "qrcode-generator/dist/qrcode.js",
    "static/vendor/pmtiles/pmtiles.js": "pmtiles/dist/pmtiles.js",
    "static/vendor/swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "static/vendor/swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}  # fmt: skip


@pytest.mark.parametrize(("ours", "npm"), VENDORED.items())
def test_vendored_files_are_the_pinned_npm_release(ours: str, npm: str) -> None:
    assert (WEB / ours).read_bytes() == (REPO_ROOT / "node_modules" / npm).read_bytes()


def test_the_pins_are_exact() -> None:
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/leaflet"]["version"] == "1.9.4"
    assert lock["node_modules/leaflet.markercluster"]["version"] == "1.5.3"
    assert lock["node_modules/pouchdb"]["version"] == "9.0.0"
    assert lock["node_modules/ajv-dist"]["version"] == "8.17.1"
    assert lock["node_modules/qrcode-generator"]["version"] == "2.0.4"
    assert lock["node_modules/swagger-ui-dist"]["version"] == "5.35.0"
    assert lock["node_modules/pmtiles"]["version"] == "4.3.2"


def test_the_pages_load_nothing_from_another_host() -> None:
    modules = [f"field/{m.name}" for m in (WEB / "field").glob("*.js")]
    assert "field/main.js" in modules
    pages = ["static/map.html", "static/map.js", "static/map.css", "field/index.html", *modules,
             "field/app.css", "static/devices.html", "static/devices.js", "static/schema.html",
             "static/schema.js", "static/basemap.js"]  # fmt: skip
    for name in pages:
        text = (WEB / name).read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), name
        assert not re.search(r"https?://", text), name
