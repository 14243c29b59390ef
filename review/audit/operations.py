from __future__ import annotations

from ..extensions import db
from .models import AuditEvent


def record_event(submission, actor, action: str, from_state: str = "", to_state: str = "", *,
                 reason: str = "", data: dict | None = None) -> AuditEvent:
    event = AuditEvent(
        submission_id=submission.id if submission is not None else None,
        actor_id=actor.id if actor is not None else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason.strip(),
        round=submission.current_round if submission is not None else None,
        data=data,
    )
    db.session.add(event)
    return event
