from __future__ import annotations

import json

from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models_base import utcnow
from . import chain
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
        # As the JSON column gives it back, so the hash is the same when verified.
        data=json.loads(json.dumps(data, ensure_ascii=False)) if data is not None else None,
        created_at=utcnow(),
    )
    db.session.add(event)
    chain.queue(event)
    return event


def audit_rows(sub, viewer) -> list[dict]:
    """The submission's trail as the viewer may read it: experts under the panel's labels, an
    expert's own reasons (declining, conflicts) for the committee office only."""
    from ..permissions import audit_actor_label, can_view_event_reason, seat_labels

    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.submission_id == sub.id)
                                .options(selectinload(AuditEvent.actor))
                                .order_by(AuditEvent.created_at, AuditEvent.id)).all()
    actors = {e.actor.expert_id: e.actor.name for e in events if e.actor is not None and e.actor.expert_id}
    labels = seat_labels(sub, viewer, actors)
    return [{"created_at": e.created_at, "round": e.round, "action": e.action, "from_state": e.from_state,
             "to_state": e.to_state, "who": audit_actor_label(e.actor, labels),
             "reason": e.reason if can_view_event_reason(viewer, e.actor) else ""}
            for e in events]
