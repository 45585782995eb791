"""The exception tree raised by :class:`sync.couch.CouchClient`.

Every failure of a CouchDB call is a :class:`CouchError`:

- :class:`CouchUnavailable` — no HTTP answer at all (refused, reset, timed out).
- :class:`Undecodable` — an answer whose JSON cannot be decoded.
- :class:`BadRequest` (400), :class:`Unauthorized` (401), :class:`Forbidden` (403,
  also a ``validate_doc_update`` refusal), :class:`NotFound` (404),
  :class:`Conflict` (409, a stale ``_rev``), :class:`PreconditionFailed` (412, e.g.
  the database exists), :class:`PayloadTooLarge` (413, or a size cap of ours),
  :class:`ServerError` (5xx) — CouchDB answered with that status; ``error`` and
  ``reason`` carry CouchDB's own words.
"""

from __future__ import annotations


class CouchError(Exception):
    """A CouchDB call failed."""

    status: int | None = None

    def __init__(self, error: str, reason: str = "", *, status: int | None = None) -> None:
        self.error = error
        self.reason = reason
        if status is not None:
            self.status = status
        super().__init__(f"{error}: {reason}" if reason else error)


class CouchUnavailable(CouchError):
    """CouchDB could not be reached (connection refused, reset or timed out)."""


class Undecodable(CouchError):
    """CouchDB answered 2xx with a body we cannot decode (e.g. absurdly deep JSON)."""


class BadRequest(CouchError):
    status = 400


class Unauthorized(CouchError):
    status = 401


class Forbidden(CouchError):
    status = 403


class NotFound(CouchError):
    status = 404


class Conflict(CouchError):
    status = 409


class PreconditionFailed(CouchError):
    status = 412


class PayloadTooLarge(CouchError):
    status = 413


class ServerError(CouchError):
    status = 500


_BY_STATUS: dict[int, type[CouchError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
}


def error_for_status(status: int, error: str, reason: str) -> CouchError:
    """The exception that stands for an HTTP error answer from CouchDB."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else CouchError
    return cls(error, reason, status=status)
