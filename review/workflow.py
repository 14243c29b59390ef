"""The submission state machine: one transition table and one function that applies it.

Every change of a submission's status goes through ``transition``: it checks the actor's role and
ownership, moves the state, writes the audit event and sends the notifications of that action.
Operations do the rest of the work (files, assignments, decisions) around it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .accounts.models import Role, User
from .audit.operations import record_event
from .submissions.models import Conclusion, Status, Submission


class TransitionError(Exception):
    """The action is not possible in this state or for this actor."""

    def __init__(self, code: str, message: str):
        self.code = code  # "forbidden" | "invalid_state" | "reason_required"
        super().__init__(message)


def _owner(actor: User, sub: Submission) -> bool:
    return actor.role is Role.department and actor.department_id == sub.department_id


def _staff(actor: User, sub: Submission) -> bool:
    return actor.role is Role.office


def _revisable(actor: User, sub: Submission) -> bool:
    return _owner(actor, sub) and sub.conclusion in (Conclusion.modify, Conclusion.redraft)


@dataclass(frozen=True)
class Transition:
    source: Status
    action: str
    target: Status
    allowed: Callable[[User, Submission], bool]
    needs_reason: bool = False


S = Status
TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.submitted, "accept", S.accepted, _staff),
    Transition(S.submitted, "return", S.returned, _staff, needs_reason=True),
    Transition(S.returned, "resubmit", S.submitted, _owner),
    Transition(S.accepted, "start_review", S.under_review, _staff),
    Transition(S.under_review, "close_review", S.deliberation, _staff, needs_reason=True),
    # Entered by the system when the last opinion of the round comes in.
    Transition(S.under_review, "opinions_complete", S.deliberation, lambda actor, sub: True),
    Transition(S.deliberation, "reopen_review", S.under_review, _staff, needs_reason=True),
    Transition(S.deliberation, "decide", S.concluded, _staff),
    Transition(S.concluded, "revise", S.under_review, _revisable),
    *(Transition(s, "withdraw", S.withdrawn, _owner, needs_reason=True)
      for s in (S.submitted, S.returned, S.accepted, S.under_review, S.deliberation)),
)
_TABLE = {(t.source, t.action): t for t in TRANSITIONS}
ACTIONS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def find(sub: Submission, action: str) -> Transition | None:
    return _TABLE.get((sub.status, action))


def can(actor: User, sub: Submission, action: str) -> bool:
    t = find(sub, action)
    return t is not None and t.allowed(actor, sub)


def available_actions(actor: User, sub: Submission) -> list[str]:
    return [a for a in ACTIONS if can(actor, sub, a)]


def transition(sub: Submission, action: str, actor: User | None, *, reason: str = "",
               data: dict | None = None) -> Transition:
    """Apply ``action`` to ``sub`` as ``actor`` (None only for system actions)."""
    from .notifications.operations import notify_transition
    from .registry.operations import sync_submission

    t = find(sub, action)
    if t is None:
        raise TransitionError("invalid_state", f"cannot {action} a submission that is {sub.status.value}")
    if actor is None:
        if action != "opinions_complete":
            raise TransitionError("forbidden", f"{action} needs an actor")
    elif not t.allowed(actor, sub):
        raise TransitionError("forbidden", f"{actor.role.value} may not {action} this submission")
    if t.needs_reason and not reason.strip():
        raise TransitionError("reason_required", f"{action} needs a reason")
    source = sub.status
    sub.status = t.target
    if t.target is not Status.concluded:
        sub.conclusion = None
    record_event(sub, actor, action, source.value, t.target.value, reason=reason, data=data)
    notify_transition(sub, action, actor, reason=reason)
    sync_submission(sub)  # the registry entry's status follows
    return t
