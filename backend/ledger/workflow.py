"""The closed loop as a state machine, pure:

reported → under_review → (rejected | assigned → rectifying) → rectified → verified →
closed_out; ``reopened`` brings a rejected, rectified, verified or closed-out hazard
back to review. Assigning again while rectifying changes the assignment (e.g. a new
deadline).
"""

from __future__ import annotations

from enum import StrEnum


class LedgerStatus(StrEnum):
    reported = "reported"
    under_review = "under_review"
    rejected = "rejected"
    rectifying = "rectifying"
    """Assigned: a responsible person is rectifying by a deadline."""
    rectified = "rectified"
    verified = "verified"
    closed_out = "closed_out"
    reopened = "reopened"


class LedgerEvent(StrEnum):
    reviewed = "reviewed"
    rejected = "rejected"
    assigned = "assigned"
    rectified_accepted = "rectified_accepted"
    verified = "verified"
    closed_out = "closed_out"
    reopened = "reopened"


S, E = LedgerStatus, LedgerEvent
TRANSITIONS: dict[LedgerEvent, tuple[frozenset[LedgerStatus], LedgerStatus]] = {
    E.reviewed: (frozenset({S.reported, S.reopened}), S.under_review),
    E.rejected: (frozenset({S.reported, S.under_review}), S.rejected),
    E.assigned: (frozenset({S.under_review, S.rectifying}), S.rectifying),
    E.rectified_accepted: (frozenset({S.rectifying}), S.rectified),
    E.verified: (frozenset({S.rectified}), S.verified),
    E.closed_out: (frozenset({S.verified}), S.closed_out),
    E.reopened: (frozenset({S.rejected, S.rectified, S.verified, S.closed_out}), S.reopened),
}
OPEN = frozenset(set(LedgerStatus) - {S.rejected, S.closed_out})


class IllegalTransition(ValueError):
    pass


def next_status(current: LedgerStatus, event: LedgerEvent) -> LedgerStatus:
    """The status after ``event``, or :class:`IllegalTransition` saying why not."""
    allowed, after = TRANSITIONS[event]
    if current not in allowed:
        wanted = " or ".join(sorted(s.value for s in allowed))
        raise IllegalTransition(f"cannot {event.value} a hazard that is {current.value}; "
                                f"it must be {wanted}")  # fmt: skip
    return after
