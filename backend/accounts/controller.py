"""HTTP: sign in and who am I."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.security.jwt import Token
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import TOKEN_LIFETIME
from backend.accounts.models import Account, AccountRead
from backend.accounts.service import authenticate
from backend.errors import DomainError
from backend.openapi_examples import example_config


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthorized"


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


class AuthController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post("/login")
    async def login(
        self,
        data: JSONBody[Login],
        session: NamedDependency[AsyncSession],
        request: Request[Any, Any, Any],
    ) -> Session:
        account = await authenticate(session, data.username, data.password)
        if account is None or account.id is None:
            raise Unauthenticated("wrong username or password")
        token = request.app.state.jwt_auth.create_token(identifier=str(account.id))
        return Session(
            access_token=token,
            expires_in=int(TOKEN_LIFETIME.total_seconds()),
            account=AccountRead.model_validate(account, from_attributes=True),
        )

    @get("/me")
    async def me(self, request: Request[Account, Token, Any]) -> AccountRead:
        return AccountRead.model_validate(request.user, from_attributes=True)
