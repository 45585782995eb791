"""Document the errors as they are answered: RFC 9457 problem details.

Litestar documents a 400 of its own shape; every error here is ``application/problem+json``
(``backend.errors``). This rewrites the generated document once, at start: each API
operation lists the statuses any route can answer (400 with the field at fault, 401,
403, 404 outside the jurisdiction or absent, 409, 412/428 for If-Match, 503 while SQL or
CouchDB is out of reach) with one schema.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

from backend.errors import PROBLEM_JSON

TEXT = Schema(type=OpenAPIType.STRING)
PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status"],
    properties={
        "type": TEXT,
        "title": TEXT,
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": TEXT,
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
    },
    description="RFC 9457 problem details; errors name the field (JSON pointer).",
)
STATUSES = {
    "400": "Invalid request: the errors name each field",
    "401": "Not signed in, or the token expired",
    "403": "Your role may not do this",
    "404": "Absent, or outside your jurisdiction (the same answer)",
    "409": "Conflicts with the current state (e.g. an illegal ledger step)",
    "410": "A set-up code already used or expired",
    "412": "Changed since you read it (If-Match)",
    "428": "Send If-Match with the version you act on",
    "429": "Too many failed sign-ins: retry after Retry-After seconds",
    "503": "SQL or CouchDB out of reach: nothing changed, retry after Retry-After seconds",
}


def document_problems(app: Litestar) -> None:
    document = app.openapi_schema
    assert document.components is not None
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas["ProblemDetails"] = PROBLEM
    reference = Reference(ref="#/components/schemas/ProblemDetails")
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=reference)}
    for path, item in (document.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in ("get", "post", "put", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None or operation.responses is None:
                continue
            for status, why in STATUSES.items():
                operation.responses[status] = OpenAPIResponse(description=why, content=content)
