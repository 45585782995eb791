"""The public base map door, tried as an attacker would: hostile ``Range`` headers never
crash it, never make it send more than asked or other than the archive, never make it
build many parts; nothing beside the archive and its facts is reachable under /basemap/."""

from __future__ import annotations

from backend.basemap.demo import demo_basemap
from backend.settings import Settings
from tests.security.harness import RawAnswer, raw_request, served_app

HOSTILE_RANGES = [
    ",".join(f"bytes={i}-{i}" for i in range(2000)),  # thousands of parts
    "bytes=" + ",".join(f"{i}-{i}" for i in range(2000)),
    "bytes=0-" + "9" * 4000,  # an integer too long to parse
    "bytes=-" + "9" * 4000,
    "bytes=-1-5", "bytes=--5", "bytes=5--", "bytes= 0 - 5", "bytes=0x10-0x20",
    "bytes=\u0663-\u0664", "bytes=0-0\r\nX-Injected: 1", "bytes=18446744073709551616-",
    "bytes=9223372036854775807-9223372036854775807",
]  # fmt: skip


async def test_hostile_ranges_get_the_archive_or_a_refusal(sqlite_settings: Settings) -> None:
    data = demo_basemap().read_bytes()
    async with served_app(sqlite_settings) as (base_url, _):
        for header in HOSTILE_RANGES:
            answer = await raw_request(base_url, "GET", b"/basemap/archive.pmtiles",
                                       {"Range": header.replace("\r\n", " ")})  # fmt: skip
            _assert_archive_or_refusal(answer, data)


def _assert_archive_or_refusal(answer: RawAnswer, data: bytes) -> None:
    assert answer.status in {200, 206, 416}, answer.status
    assert "x-injected" not in answer.headers
    if answer.status == 200:
        assert answer.body == data
    elif answer.status == 206:
        first, last = map(int, answer.headers["content-range"].split()[1].split("/")[0].split("-"))
        assert answer.body == data[first : last + 1]
        assert len(answer.body) <= len(data)
        assert "multipart" not in answer.headers["content-type"]
    else:
        assert answer.body == b""
    assert int(answer.headers.get("content-length", len(answer.body))) == len(answer.body)


TRAVERSALS = [
    b"/basemap/../backend/settings.py", b"/basemap/%2e%2e/%2e%2e/pyproject.toml",
    b"/basemap/archive.pmtiles/../../../etc/passwd", b"/basemap/archive.pmtiles%00.png",
    b"/basemap/info/..%2f..%2frequirements.lock", b"/basemap/var/basemap/.drawn",
]  # fmt: skip


async def test_nothing_else_is_reachable_under_basemap(sqlite_settings: Settings) -> None:
    async with served_app(sqlite_settings) as (base_url, _):
        answers = [(t, await raw_request(base_url, "GET", t)) for t in TRAVERSALS]
    for target, answer in answers:
        assert answer.status in {400, 404}, (target, answer.status)
        assert b"PMTiles" not in answer.body
        assert b"[project]" not in answer.body
        assert b"root:" not in answer.body
        assert b"--hash" not in answer.body
