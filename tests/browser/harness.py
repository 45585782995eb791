"""The app as a real server process (Server-Sent Events need one) and Debian's Chromium
driven by playwright — never a downloaded browser."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright

from backend.settings import REPO_ROOT, Settings
from sync.devserver import free_port
from tests.integration.harness import environment_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = REPO_ROOT / "tests" / "artifacts"
"""Where browser tests save screenshots (not in git; docs/screenshots/ holds copies)."""


@dataclass
class Served:
    base_url: str
    log: Path
    admin: tuple[str, str]
    process: subprocess.Popen[bytes]

    async def token(self, username: str, password: str) -> str:
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            login = {"username": username, "password": password}
            response = await client.post("/api/auth/login", json=login)
            assert response.status_code == 201, response.text
            return str(response.json()["access_token"])

    async def call(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            return await client.request(method, path, headers=headers, **kwargs)


@asynccontextmanager
async def served(settings: Settings, work: Path, **env: str) -> AsyncIterator[Served]:
    """``python -m backend serve --demo`` on a free port with these settings."""
    assert settings.bootstrap_admin is not None
    port, log = free_port(), work / "serve.log"
    username, password = settings.bootstrap_admin
    environment = environment_of(settings, ADMIN_USERNAME=username, ADMIN_PASSWORD=password,
                                 PORT=str(port), PYTHONUNBUFFERED="1",
                                 JWT_SECRET=settings.jwt_secret, **env)  # fmt: skip
    process = _start(environment, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base_url, process, log)
        yield Served(base_url, log, settings.bootstrap_admin, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def served_in_background(settings: Settings, work: Path) -> Iterator[Served]:
    """The same server for synchronous tests (the API fuzzer drives it from hypothesis)."""
    assert settings.bootstrap_admin is not None
    port, log = free_port(), work / "serve.log"
    username, password = settings.bootstrap_admin
    environment = environment_of(settings, ADMIN_USERNAME=username, ADMIN_PASSWORD=password,
                                 PORT=str(port), PYTHONUNBUFFERED="1",
                                 JWT_SECRET=settings.jwt_secret)  # fmt: skip
    process = _start(environment, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(450):
            _check_running(process, log)
            try:
                if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield Served(base_url, log, settings.bootstrap_admin, process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _start(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "backend", "serve", "--demo"],
            cwd=REPO_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _check_running(process: subprocess.Popen[bytes], log: Path) -> None:
    assert process.poll() is None, log.read_text()


async def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        for _ in range(450):
            _check_running(process, log)
            try:
                if (await client.get("/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    process.terminate()
    raise AssertionError(f"not ready in 90 s: see {log}")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def signed_in_map(
    browser: Browser,
    base_url: str,
    username: str,
    password: str,
    *,
    query: str = "",
    viewport: tuple[int, int] = (1280, 800),
) -> Page:
    """A page of the map, signed in, once its first view has rendered."""
    page = await browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{base_url}/map{query}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("#login button[type=submit]")
    await page.wait_for_function("() => window.mapState?.ready", timeout=30_000)
    assert errors == [], errors
    return page


async def map_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate("window.mapState")
    return state
