"""Setting up a tablet from its QR code: the code is single-use and expires; exchanging
it gives the tablet a password of its own (the device's password is rotated then), so a
photographed or forwarded QR code opens nothing once used, and nothing in it is a secret
that lasts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.passwords import verify_password_off_loop
from backend.devices.models import Device, EnrolCode
from backend.devices.service import IssuedCredentials, rotate_password
from backend.errors import DomainError
from backend.sqltypes import utcnow
from sync.couch import CouchClient

ENROL_LIFETIME = timedelta(days=3)


class EnrolCodeRefused(DomainError):
    status = 410
    title = "Enrol code not valid"


class EnrolCodeForAnotherDevice(DomainError):
    status = 409
    title = "Enrol code is for another device"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def issue_enrol_code(session: AsyncSession, device_id: str) -> str:
    """A new code for the device; earlier unused ones stop working."""
    earlier = await session.exec(
        select(EnrolCode).where(EnrolCode.device_id == device_id, col(EnrolCode.used_at).is_(None))
    )
    now = utcnow()
    for old in earlier.all():
        old.used_at = now
        session.add(old)
    code = secrets.token_urlsafe(24)
    session.add(EnrolCode(code_hash=_digest(code), device_id=device_id,
                          expires_at=now + ENROL_LIFETIME))  # fmt: skip
    return code


async def exchange_enrol_code(
    session: AsyncSession, couch: CouchClient, code: str, for_device: str | None = None
) -> IssuedCredentials:
    """The tablet's credentials, once; the same answer for unknown, used and expired codes.
    A tablet already set up names its device (``for_device``): a code for another device
    is refused and stays unused, so a wrong QR code never re-keys someone else's tablet."""
    row = await session.get(EnrolCode, _digest(code), with_for_update=True)
    device = await session.get(Device, row.device_id) if row else None
    if row is None or row.used_at is not None or row.expires_at < utcnow() or device is None \
            or device.revoked_at is not None:  # fmt: skip
        raise EnrolCodeRefused("this set-up code was used, has expired or is not known: "
                               "ask the admin for a new one")  # fmt: skip
    if for_device is not None and for_device != device.id:
        raise EnrolCodeForAnotherDevice("this set-up code is for another tablet; it stays unused")
    row.used_at = utcnow()
    session.add(row)
    return await rotate_password(session, couch, device.id)


async def proves_revocation(device: Device, username: str, password: str) -> bool:
    """Whether these are the credentials the revoked device last held."""
    if device.revoked_at is None or username != device.couch_user or not device.credential_hash:
        return False
    return await verify_password_off_loop(device.credential_hash, password)
