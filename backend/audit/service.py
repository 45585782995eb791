"""Record and query the audit trail (in the same transaction as the decision itself)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.audit.models import AuditEntry
from backend.sqltypes import utcnow


def actor_of(account: Account | None) -> str:
    return f"account:{account.username}" if account is not None else "cli"


def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str,
    *,
    reason: str = "",
    **details: Any,
) -> None:
    session.add(AuditEntry(at=utcnow(), actor=actor[:200], action=action, target=target[:300],
                           reason=reason[:500], details=details))  # fmt: skip


async def record_many(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    """Record many system decisions in one statement (``at``, ``actor``, ``action``,
    ``target``, ``reason``, ``details`` each)."""
    if entries:
        connection = await session.connection()
        await connection.execute(insert(AuditEntry), list(entries))


async def list_entries(
    session: AsyncSession,
    *,
    action: str | None = None,
    target: str | None = None,
    actor: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> Sequence[AuditEntry]:
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    return (await session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit))).all()
