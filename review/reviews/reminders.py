"""Reminders: by hand from the office, and the daily automatic ones (never twice a day)."""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit.operations import record_event
from ..calendar import local_today
from ..extensions import db
from ..notifications.operations import notify
from ..submissions.models import Status
from ..workflow import TransitionError
from .common import require_office
from .models import Assignment, AssignmentStatus, ReminderLog


def send_reminder(actor: User | None, a: Assignment, kind: str = "manual", today: date | None = None) -> bool:
    """Remind an expert. Automatic kinds go out at most once a day; manual ones whenever asked."""
    if actor is not None:
        require_office(actor)
    if not a.status.is_open:
        raise TransitionError("invalid_state", "the expert has no open review here")
    today = today or local_today()
    if kind != "manual":
        # Automatic reminders: the unique key (assignment, kind, day) makes "never twice a day" hold
        # even when two cron runs overlap.
        try:
            with db.session.begin_nested():
                db.session.add(ReminderLog(assignment_id=a.id, kind=kind, day=today))
        except IntegrityError:
            return False
    notify([a.expert.user], f"reminder.{kind}", submission=a.submission, url=f"/reviews/{a.id}",
           due=a.due.isoformat() if a.due else "-")
    record_event(a.submission, actor, f"remind_{kind}", data={"assignment": a.id, "expert": a.expert.name})
    return True


def due_reminders(today: date | None = None) -> int:
    """Send the automatic reminders of the day: N working days before the deadline, and overdue."""
    from ..calendar import app_calendar, working_days_between

    today = today or local_today()
    holidays, extra = app_calendar(current_app.config)
    before = int(current_app.config["REMIND_DAYS_BEFORE"])
    sent = 0
    open_states = [s for s in AssignmentStatus if s.is_open]
    for a in db.session.scalars(db.select(Assignment).where(Assignment.status.in_(open_states),
                                                            Assignment.due.is_not(None))):
        if a.submission.status is not Status.under_review:
            continue
        left = working_days_between(today, a.due, holidays, extra)
        kind = "overdue" if today > a.due else ("before_due" if left <= before else None)
        if kind and send_reminder(None, a, kind, today):
            sent += 1
    return sent


