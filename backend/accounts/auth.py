"""JWT sign-in (Litestar's JWTAuth), role guards, and the signed-in account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTAuth, Token

from backend.accounts.models import Account, Role
from backend.database import unit_of_work
from backend.runtime import Runtime

TOKEN_LIFETIME = timedelta(hours=12)
PUBLIC_PATHS = ["^/health$", "^/ready$", "^/mobile-schema", "^/schema", "^/api/auth/login$"]

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


async def _account_of(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> Account | None:
    return await account_for_token(connection.app.state.runtime, token)


async def account_for_token(runtime: Runtime, token: Token) -> Account | None:
    """The enabled account a valid token names, if any."""
    if not token.sub.isdigit():
        return None
    # read-only: on SQLite, signing in a request never waits for a writer
    async with unit_of_work(runtime.sessions, read_only=True) as session:
        account = await session.get(Account, int(token.sub))
    return account if account is not None and not account.disabled else None


def jwt_auth(secret: str) -> JWTAuth[Account, Token]:
    return JWTAuth[Account, Token](
        retrieve_user_handler=_account_of,
        token_secret=secret,
        exclude=PUBLIC_PATHS,
        default_token_expiration=TOKEN_LIFETIME,
    )


def require_role(*roles: Role) -> Guard:
    """A guard letting only these roles through (403 otherwise)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        account = connection.user
        if not isinstance(account, Account) or account.role not in roles:
            raise PermissionDeniedException("your role may not do this")

    return guard


admin_only = require_role(Role.admin)
