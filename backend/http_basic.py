"""What an HTTP request says about its caller: HTTP Basic credentials and the client's
address."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar import Request


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(user, password)`` of an ``Authorization: Basic …`` header, if it is one."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def client_address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None
