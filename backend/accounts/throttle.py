"""Sign-in that resists guessing: after a few failures for an account (whoever tries) or
from a client address (whichever accounts it tries), each further attempt must wait a
delay that doubles with every failure, up to a quarter of an hour. A refused attempt is
not even checked, so guessing faster gains nothing; a success clears the account's count.
Kept in the process: behind several replicas each counts its own share."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES = 5
"""Mistyping is human: this many failures cost nothing."""
FIRST_DELAY = 1.0
MAX_DELAY = 15 * 60.0
FORGET_AFTER = 24 * 3600.0


@dataclass
class Failures:
    count: int = 0
    last: float = 0.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, Failures] = {}

    @staticmethod
    def keys(username: str, client: str | None) -> list[str]:
        return [f"account:{username.strip().lower()}", f"client:{client or 'unknown'}"]

    def wait_seconds(self, keys: list[str]) -> int:
        """How long these keys must still wait before an attempt is checked (0: now)."""
        now = self._clock()
        waits = [self._delay(f) - (now - f.last) for k in keys if (f := self._failures.get(k))]
        return max(0, math.ceil(max(waits, default=0.0)))

    def failed(self, keys: list[str]) -> None:
        now = self._clock()
        self._forget(now)
        for key in keys:
            failures = self._failures.setdefault(key, Failures())
            failures.count += 1
            failures.last = now

    def succeeded(self, keys: list[str]) -> None:
        self._failures.pop(keys[0], None)  # the account's; the address keeps its record

    @staticmethod
    def _delay(failures: Failures) -> float:
        over = failures.count - FREE_FAILURES
        return 0.0 if over < 0 else min(MAX_DELAY, FIRST_DELAY * 2.0**over)

    def _forget(self, now: float) -> None:
        if len(self._failures) > 10_000:
            self._failures = {k: f for k, f in self._failures.items()
                              if now - f.last < FORGET_AFTER}  # fmt: skip
