"""Domain errors, and the one place where they become HTTP problem details."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import PathParameter
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from backend.database import out_of_reach
from sync.couch import CouchUnavailable

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
REQUEST_ID = "request_id"
"""Where ``backend.request_id`` keeps the request's id in the ASGI scope's state."""

RowId = Annotated[int, PathParameter(ge=1, le=2**31 - 1, description="a row id")]
"""An id in a path: a number beyond any row is a 400, not a database overflow."""


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        self.detail = detail
        self.errors = errors or []
        super().__init__(detail)

    def headers(self) -> dict[str, str]:
        """Headers the answer carries besides the problem (e.g. ``Retry-After``)."""
        return {}


class NotFound(DomainError):
    status = 404
    title = "Not found"


class OutsideJurisdiction(NotFound):
    """Another jurisdiction's object: answered as if it did not exist."""


class ConflictError(DomainError):
    status = 409
    title = "Conflict"


class StaleVersion(DomainError):
    """If-Match named another version: someone changed the object meanwhile."""

    status = 412
    title = "Precondition failed"


class VersionRequired(DomainError):
    status = 428
    title = "Precondition required"


def problem(status: int, title: str, detail: str, errors: list[Any] | None = None) -> Response[Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    response = problem(exc.status, exc.title, exc.detail, exc.errors)
    response.headers.update(exc.headers())
    return response


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = [
        {"path": f"/{e.get('source', 'body')}/{e.get('key', '')}".rstrip("/"),
         "message": str(e.get("message", ""))}
        for e in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(e, dict)
    ]  # fmt: skip
    return problem(400, "Invalid request", str(exc.detail), errors)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:  # the framework's own failure: its words stay in the log
        return internal_error(request, exc)
    return problem(exc.status_code, exc.detail or "Error", "")


def request_id_of(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get(REQUEST_ID, "-"))


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Logged with its traceback under the request id the answer carries; nothing of the
    failure's own words goes to the caller."""
    request_id = request_id_of(request)
    log.error("%s %s failed [request %s]", request.method, request.url.path, request_id,
              exc_info=exc)  # fmt: skip
    response = problem(500, "Internal server error",
                       f"something went wrong on our side; quote request {request_id}")  # fmt: skip
    response.content["request_id"] = request_id
    return response


def too_deep(_: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    return problem(400, "Invalid request", "the JSON body is nested too deeply",
                   [{"path": "/body", "message": "nested too deeply"}])  # fmt: skip


RETRY_AFTER_SECONDS = 5


def unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """SQL or CouchDB out of reach (down, refusing, every pooled connection busy): a 503
    the client retries, not a 500. The unit of work rolled back, so nothing changed."""
    if isinstance(exc, DBAPIError) and not out_of_reach(exc):
        return internal_error(request, exc)
    which = "CouchDB" if isinstance(exc, CouchUnavailable) else "the database"
    log.warning("%s %s: %s is out of reach: %r", request.method, request.url.path, which, exc)
    response = problem(503, "Service unavailable",
                       f"{which} cannot be reached right now; nothing was changed, try again "
                       f"in {RETRY_AFTER_SECONDS} seconds")  # fmt: skip
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


handlers: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    DBAPIError: unavailable,
    PoolTimeout: unavailable,
    ConnectionError: unavailable,
    CouchUnavailable: unavailable,
    RecursionError: too_deep,
    Exception: internal_error,
}
