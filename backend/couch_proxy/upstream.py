"""The proxy's connection to CouchDB: one pooled client that keeps no state between
requests (no cookie jar), the headers a request may carry upstream, and the per-tablet
cap on held long-polls."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

FORWARDED_REQUEST = ("authorization", "content-type", "accept", "if-match", "if-none-match")
TIMEOUT = httpx.Timeout(10, read=90)  # a longpoll feed may stay quiet for its heartbeat
LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
"""Every open field app holds one long-polling feed; keep-alive saves the TCP set-up of
the short requests between them."""
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
    """Counts the long-polls each CouchDB user holds open through the proxy."""

    def __init__(self, per_user: int = LONG_POLLS_PER_TABLET) -> None:
        self.per_user = per_user
        self._open: Counter[str] = Counter()

    def try_acquire(self, user: str) -> bool:
        """Whether this user may open another (then it holds one until ``release``)."""
        if self._open[user] >= self.per_user:
            return False
        self._open[user] += 1
        return True

    def release(self, user: str) -> None:
        self._open[user] -= 1
        if self._open[user] <= 0:
            del self._open[user]
