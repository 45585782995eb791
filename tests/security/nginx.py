"""The shipped ``deploy/nginx.conf`` run with Debian's nginx in front of a test server."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from backend.settings import REPO_ROOT
from sync.devserver import free_port

NGINX = "/usr/sbin/nginx"
SHIPPED = REPO_ROOT / "deploy" / "nginx.conf"
UPSTREAMS = "server service1:8000; server service2:8000;"
LISTEN = "listen 80;"


def site_config(app_port: int, port: int) -> str:
    """The shipped site with only its addresses changed."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(UPSTREAMS) == 1, "the shipped config changed its upstreams"
    assert text.count(LISTEN) == 1, "the shipped config changed its port"
    return text.replace(UPSTREAMS, f"server 127.0.0.1:{app_port};").replace(
        LISTEN, f"listen 127.0.0.1:{port};"
    )


def _start(work: Path, app_port: int, port: int) -> subprocess.Popen[bytes]:
    work.mkdir(parents=True, exist_ok=True)
    (work / "site.conf").write_text(site_config(app_port, port), encoding="utf-8")
    temp = " ".join(f"{kind}_temp_path {work / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    (work / "nginx.conf").write_text(
        f"daemon off; worker_processes 1; pid {work / 'nginx.pid'};\n"
        f"error_log {work / 'error.log'} warn;\nevents {{}}\n"
        f"http {{ access_log off; {temp} include {work / 'site.conf'}; }}\n",
        encoding="utf-8",
    )
    with (work / "out.log").open("wb") as out:
        return subprocess.Popen([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
                                stderr=subprocess.STDOUT, stdout=out)  # fmt: skip


@asynccontextmanager
async def shipped_nginx(app_url: str, work: Path) -> AsyncIterator[str]:
    """The base URL of nginx with the shipped config, proxying to ``app_url``."""
    port = free_port()
    process = await asyncio.to_thread(_start, work, int(app_url.rsplit(":", 1)[1]), port)
    try:
        for _ in range(100):
            assert process.poll() is None, f"nginx exited; see {work / 'out.log'}"
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 10)
