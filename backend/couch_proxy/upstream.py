"""The proxy's connection to CouchDB: one pooled client that keeps no state between
requests (no cookie jar), the headers a request may carry upstream, and the per-tablet
cap on held long-polls."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

FORWARDED_REQUEST = ("authorization", "content-type", "accept", "if-match", "if-none-match")
TIMEOUT = httpx.Timeout(10, read=90)  # a longpoll feed may stay quiet for its heartbeat
LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
"""Every open field app holds one long-polling feed; keep-alive saves the TCP set-up of
the short requests between them."""
HOLD_LIMIT = 120.0
"""Seconds: longer than the upstream read timeout, so no real feed is still open."""
LONG_POLLS_PER_TABLET = 2
"""A field app holds one feed; a second covers a reload before the first one ends."""


def _no_cookies() -> CookieJar:
    """A jar that refuses every cookie: a ``Set-Cookie`` from CouchDB (``_session``) must
    never ride along on the next caller's request."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def upstream_client(couch_url: str) -> httpx.AsyncClient:
    """The proxy's one pooled client for the app's life; it carries no credentials and no
    cookies of its own (each request brings the device's)."""
    return httpx.AsyncClient(
        base_url=couch_url, timeout=TIMEOUT, limits=LIMITS, cookies=_no_cookies()
    )


def upstream_headers(incoming: Mapping[str, str], client_address: str | None) -> dict[str, str]:
    """Only what replication needs, plus the caller's address: CouchDB locks out a user
    after repeated failures per client address, and every browser reaches it from ours."""
    headers = {k: v for k, v in incoming.items() if k.lower() in FORWARDED_REQUEST}
    headers["accept-encoding"] = "identity"  # a gzipped live feed can stall
    if client_address:
        headers["x-forwarded-for"] = client_address
    return headers


class LongPollGate:
    """Counts the long-polls each CouchDB user holds open through the proxy. A hold older
    than any feed can last (the upstream read timeout) is forgotten, so a feed whose end
    was never seen (a client gone before its answer started) cannot lock a tablet out."""

    def __init__(
        self, per_user: int = LONG_POLLS_PER_TABLET, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_user = per_user
        self._clock = clock
        self._open: dict[str, list[float]] = {}

    def try_acquire(self, user: str) -> bool:
        """Whether this user may open another (then it holds one until ``release``)."""
        now = self._clock()
        held = [t for t in self._open.get(user, []) if now - t < HOLD_LIMIT]
        if len(held) >= self.per_user:
            self._open[user] = held
            return False
        self._open[user] = [*held, now]
        return True

    def release(self, user: str) -> None:
        held = self._open.get(user, [])[1:]
        if held:
            self._open[user] = held
        else:
            self._open.pop(user, None)
