"""The ledger's closed loop, step by step and against every illegal move."""

from __future__ import annotations

import pytest

from backend.ledger.workflow import (
    TRANSITIONS,
    IllegalTransition,
    LedgerEvent,
    LedgerStatus,
    next_status,
)

E, S = LedgerEvent, LedgerStatus


def test_the_happy_path_closes_the_loop() -> None:
    status = S.reported
    for event, expected in [
        (E.reviewed, S.under_review), (E.assigned, S.rectifying), (E.assigned, S.rectifying),
        (E.rectified_accepted, S.rectified), (E.verified, S.verified),
        (E.closed_out, S.closed_out), (E.reopened, S.reopened), (E.reviewed, S.under_review),
    ]:  # fmt: skip
        status = next_status(status, event)
        assert status is expected


@pytest.mark.parametrize("status", list(LedgerStatus))
@pytest.mark.parametrize("event", list(LedgerEvent))
def test_every_other_move_is_refused_with_a_reason(
    status: LedgerStatus, event: LedgerEvent
) -> None:
    allowed, after = TRANSITIONS[event]
    if status in allowed:
        assert next_status(status, event) is after
    else:
        with pytest.raises(IllegalTransition, match=f"cannot {event.value} a hazard that is"):
            next_status(status, event)


def test_closing_out_requires_verification_first() -> None:
    with pytest.raises(IllegalTransition, match="it must be verified"):
        next_status(S.rectifying, E.closed_out)
