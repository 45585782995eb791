"""HTTP: sign in and who am I."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.security.jwt import Token
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import TOKEN_LIFETIME, sign_token
from backend.accounts.models import Account, AccountRead
from backend.accounts.service import authenticate
from backend.audit.service import actor_of, record
from backend.database import unit_of_work
from backend.errors import DomainError
from backend.http_basic import client_address
from backend.openapi_examples import example_config
from backend.runtime import Runtime


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthorized"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Login(BaseModel):
    model_config = example_config(
        {"username": "donghu", "password": "the password you were given"})  # fmt: skip

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class Session(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    account: AccountRead


async def _audit_sign_in(
    runtime: Runtime, action: str, username: str, request: Request[Any, Any, Any], **details: Any
) -> None:
    """In a unit of work of its own: the request's rolls back with the refusal."""
    address = client_address(request)
    async with unit_of_work(runtime.sessions) as session:
        record(session, f"client:{address}", action, f"account:{username[:64]}", **details)


class AuthController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post("/login")
    async def login(self, data: JSONBody[Login], request: Request[Any, Any, Any]) -> Session:
        """Units of work of its own (no request session): a refused sign-in is audited,
        and the audit must not wait on a transaction of the same request."""
        runtime: Runtime = request.app.state.runtime
        throttle = runtime.login_throttle
        keys = throttle.keys(data.username, client_address(request))
        wait = throttle.wait_seconds(keys)
        if wait:
            await _audit_sign_in(runtime, "auth.throttled", data.username, request, wait=wait)
            raise TooManyAttempts(wait)
        async with unit_of_work(runtime.sessions, read_only=True) as session:
            account = await authenticate(session, data.username, data.password)
        if account is None or account.id is None:
            throttle.failed(keys)
            await _audit_sign_in(runtime, "auth.failed", data.username, request)
            raise Unauthenticated("wrong username or password")
        throttle.succeeded(keys)
        token = sign_token(request.app.state.jwt_auth, account)
        return Session(
            access_token=token,
            expires_in=int(TOKEN_LIFETIME.total_seconds()),
            account=AccountRead.model_validate(account, from_attributes=True),
        )

    @post("/logout", status_code=204)
    async def logout(
        self, request: Request[Account, Token, Any], session: NamedDependency[AsyncSession]
    ) -> None:
        """Signs out everywhere: every token of this account stops working at once (open
        event streams close too)."""
        account = await session.get(Account, request.user.id)
        assert account is not None, "a signed-in account exists"
        account.end_sessions()
        session.add(account)
        record(session, actor_of(account), "account.logout", f"account:{account.username}")

    @get("/me")
    async def me(self, request: Request[Account, Token, Any]) -> AccountRead:
        return AccountRead.model_validate(request.user, from_attributes=True)
