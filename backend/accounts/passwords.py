"""Password hashing with Argon2id (argon2-cffi), off the event loop, and the policy a
chosen password must meet (zxcvbn: common, repeated, keyboard and name-based passwords
are refused, whatever their length)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_STRENGTH = 3
"""zxcvbn's score (0–4): 3 is "safely unguessable" against an online attack."""

# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def weakness(password: str, *related: str) -> str | None:
    """Why this password may not be chosen (``None``: it may). ``related``: the account's
    own names, which a guesser tries first."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    from zxcvbn import zxcvbn  # noqa: PLC0415 — its dictionaries load on first use only

    verdict = zxcvbn(password, user_inputs=[r for r in related if r])
    if verdict["score"] >= MIN_STRENGTH:
        return None
    warning = verdict["feedback"].get("warning") or "this password is easy to guess"
    return f"{warning.rstrip('.')}; choose a longer, less common one"


async def hash_password_off_loop(password: str) -> str:
    """Hashing takes tens of milliseconds of CPU: never on the event loop."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
