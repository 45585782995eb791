"""Event-stream tickets are single-use: each opens one stream. Remembered until they
expire (a minute), per process; a ticket is also bound to the account's sessions, so
signing out ends it everywhere."""

from __future__ import annotations

from datetime import datetime

from backend.sqltypes import utcnow


class UsedTickets:
    def __init__(self) -> None:
        self._used: dict[str, datetime] = {}

    def use(self, ticket_id: str | None, expires: datetime) -> bool:
        """Whether this ticket may open a stream now (then never again)."""
        now = utcnow()
        self._used = {t: at for t, at in self._used.items() if at > now}
        if ticket_id is None or ticket_id in self._used:
            return False
        self._used[ticket_id] = expires
        return True
