"""Ledger transitions: validated, versioned, recorded in SQL and in the grid database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.errors import ConflictError, DomainError, StaleVersion, VersionRequired
from backend.grids.models import Place
from backend.hazards.models import Hazard
from backend.ledger.models import LedgerEntry
from backend.ledger.workflow import IllegalTransition, LedgerEvent, LedgerStatus, next_status
from backend.sqltypes import utcnow
from backend.synced.models import SyncedDocument
from sync.couch import Conflict, CouchClient


def ledger_doc_id(hazard_id: str, seq: int) -> str:
    """Deterministic, so a retried transition rewrites the same document, never a twin."""
    return f"ledger:{hazard_id}:{seq:06d}"


async def transition(
    session: AsyncSession,
    couch: CouchClient,
    hazard: Hazard,
    actor: Account,
    event: LedgerEvent,
    *,
    if_match: int | None,
    note: str = "",
    assignment: dict[str, Any] | None = None,
    rectification_report_id: str | None = None,
) -> LedgerEntry:
    """Apply one ledger event to the hazard, if the caller saw its current version."""
    if if_match is None:
        raise VersionRequired("send If-Match with the ledger version you are acting on")
    if if_match != hazard.ledger_version:
        raise StaleVersion(f"the hazard changed meanwhile (now version {hazard.ledger_version}); "
                           "reload it and try again")  # fmt: skip
    try:
        after = next_status(LedgerStatus(hazard.ledger_status), event)
    except IllegalTransition as exc:
        raise ConflictError(str(exc)) from None
    if event is LedgerEvent.rectified_accepted:
        await _check_report(session, hazard.doc_id, rectification_report_id)
    if event is LedgerEvent.assigned and not assignment:
        raise DomainError("an assignment needs a responsible person, measures and a deadline",
                          [{"path": "/assignment", "message": "is required"}])  # fmt: skip
    now, seq = utcnow(), hazard.ledger_version + 1
    entry = LedgerEntry(
        id=ledger_doc_id(hazard.doc_id, seq), hazard_id=hazard.doc_id, seq=seq,
        event=event.value, status_after=after.value, at=now, actor_account_id=actor.id,
        actor_name=actor.display_name, actor_role=actor.role, note=note,
        assignment=assignment, rectification_report_id=rectification_report_id,
    )  # fmt: skip
    grid = await session.get(Place, hazard.grid_id)
    assert grid is not None
    assert grid.couch_db is not None
    # the tablet learns of it offline: the event document goes to its grid first
    await _append(couch, grid.couch_db, _event_doc(entry, hazard.grid_id))
    hazard.ledger_status, hazard.ledger_version, hazard.updated_at = after.value, seq, now
    if assignment:
        hazard.responsible_person = assignment["responsible_person"]
        hazard.responsible_unit = assignment.get("responsible_unit")
        hazard.measures = assignment["measures"]
        hazard.deadline = datetime.fromisoformat(assignment["deadline"])
    session.add(hazard)
    session.add(entry)
    await session.flush()
    return entry


async def _append(couch: CouchClient, db: str, doc: dict[str, Any]) -> None:
    """Create the event document; never overwrite another event of the same number."""
    try:
        await couch.put_doc(db, doc)
    except Conflict:
        stored = await couch.get_doc(db, doc["_id"])
        same = {k: v for k, v in stored.items() if k not in {"_rev", "at"}}
        if same != {k: v for k, v in doc.items() if k != "at"}:
            raise StaleVersion("another decision on this hazard was recorded meanwhile; "
                               "reload it and try again") from None  # fmt: skip


def _event_doc(entry: LedgerEntry, grid_id: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": entry.id, "type": "ledger", "schema_version": 1, "grid_id": grid_id,
        "hazard_id": entry.hazard_id, "event": entry.event, "status_after": entry.status_after,
        "at": entry.at.isoformat(timespec="seconds"),
        "actor": {"name": entry.actor_name, "role": entry.actor_role},
    }  # fmt: skip
    if entry.note:
        doc["note"] = entry.note
    if entry.assignment:
        doc["assignment"] = entry.assignment
    if entry.rectification_report_id:
        doc["rectification_report_id"] = entry.rectification_report_id
    return doc


async def _check_report(session: AsyncSession, hazard_id: str, report_id: str | None) -> None:
    """Accepting a rectification needs the worker's report about this very hazard."""
    path = "/rectification_report_id"
    if not report_id:
        raise DomainError("accepting a rectification needs the worker's report",
                          [{"path": path, "message": "is required"}])  # fmt: skip
    report = await session.get(SyncedDocument, report_id)
    if report is None or report.doc_type != "rectification_report" or report.deleted:
        message = "not a synced rectification report"
        raise DomainError(f"no rectification report {report_id!r} has been synced",
                          [{"path": path, "message": message}])  # fmt: skip
    if not report.valid:
        why = "; ".join(f"{e['path']} {e['message']}" for e in report.errors[:3])
        raise ConflictError(f"report {report_id!r} cannot be evidence: {why}",
                            [{"path": "/rectification_report_id", "message": why}])  # fmt: skip
    if report.refers_to != hazard_id:
        raise ConflictError(f"report {report_id!r} is about another hazard")


async def history(session: AsyncSession, hazard_id: str) -> Sequence[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.hazard_id == hazard_id)
    return (await session.exec(query.order_by(col(LedgerEntry.seq)))).all()
