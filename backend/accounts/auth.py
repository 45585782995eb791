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
EVENTS_PURPOSE = "events"
"""A ticket for the event stream carries this ``purpose``; an API token carries none."""

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


async def _account_of(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> Account | None:
    return await account_for_token(connection.app.state.runtime, token)


TOKEN_VERSION = "ver"
"""The claim carrying the account's ``token_version`` at signing."""


def sign_token(
    auth: JWTAuth[Account, Token],
    account: Account,
    *,
    purpose: str | None = None,
    lifetime: timedelta | None = None,
    unique_id: str | None = None,
) -> str:
    extras: dict[str, Any] = {TOKEN_VERSION: account.token_version}
    if purpose is not None:
        extras["purpose"] = purpose
    return auth.create_token(identifier=str(account.id), token_expiration=lifetime,
                             token_unique_jwt_id=unique_id, token_extras=extras)  # fmt: skip


def is_current(account: Account | None, token: Token, purpose: str | None = None) -> bool:
    """An enabled account, and a token for this purpose (``None``: the API) signed since
    its sessions last ended."""
    return (account is not None and not account.disabled
            and token.extras.get("purpose") == purpose
            and token.extras.get(TOKEN_VERSION) == account.token_version)  # fmt: skip


async def account_for_token(
    runtime: Runtime, token: Token, purpose: str | None = None
) -> Account | None:
    """The enabled account a valid, current token names, if any."""
    if not token.sub.isdigit():
        return None
    # read-only: on SQLite, signing in a request never waits for a writer
    async with unit_of_work(runtime.sessions, read_only=True) as session:
        account = await session.get(Account, int(token.sub))
    return account if is_current(account, token, purpose) else None


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
        if connection.scope.get("method") == "OPTIONS":
            return  # answered by the framework with the allowed methods, no data
        account = connection.scope.get("user")
        if not isinstance(account, Account) or account.role not in roles:
            raise PermissionDeniedException("your role may not do this")

    return guard


admin_only = require_role(Role.admin)
