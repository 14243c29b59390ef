"""Follow-up reminders, sent by ``flask --app wsgi remind`` with the experts' reminders.

A department is reminded on the follow-up date and then every FOLLOWUP_REMIND_EVERY days until it
reports; never twice a day for one follow-up (a unique key, so overlapping cron runs agree).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.operations import record_event
from ..calendar import local_today
from ..extensions import db
from ..notifications.operations import department_users, notify
from .models import FollowUp, FollowUpReminder, FollowUpStatus

log = logging.getLogger(__name__)


def _date_relative_ones() -> None:
    """Follow-ups "N months after publication" whose publication is now recorded get their date
    (a safety net: record_publication dates them at once). One statement."""
    from ..registry.models import RegistryEntry
    from ..submissions.models import Submission

    rows = db.session.execute(
        db.select(FollowUp, RegistryEntry.published_on)
        .join(Submission, FollowUp.submission_id == Submission.id)
        .join(RegistryEntry, Submission.registry_entry_id == RegistryEntry.id)
        .where(FollowUp.status == FollowUpStatus.scheduled, FollowUp.due_on.is_(None),
               FollowUp.months_after_publication.is_not(None), RegistryEntry.published_on.is_not(None))).all()
    for fu, published in rows:
        fu.date_from_publication(published)
    db.session.flush()


def due_followup_reminders(today: date | None = None) -> int:
    """Remind the departments whose follow-up report is due; returns how many reminders went out."""
    today = today or local_today()
    every = max(1, int(current_app.config["FOLLOWUP_REMIND_EVERY"]))
    _date_relative_ones()
    due = list(db.session.scalars(db.select(FollowUp).where(
        FollowUp.status == FollowUpStatus.scheduled, FollowUp.due_on <= today)
        .options(joinedload(FollowUp.submission)).order_by(FollowUp.id)))
    if not due:
        return 0
    last = dict(db.session.execute(db.select(FollowUpReminder.followup_id, db.func.max(FollowUpReminder.day))
                                   .where(FollowUpReminder.followup_id.in_([f.id for f in due]))
                                   .group_by(FollowUpReminder.followup_id)).all())
    sent = 0
    for fu in due:
        if fu.id in last and last[fu.id] > today - timedelta(days=every):
            continue  # reminded today, or recently enough
        try:
            with db.session.begin_nested():
                db.session.add(FollowUpReminder(followup_id=fu.id, day=today))
        except IntegrityError:
            continue
        notify(department_users(fu.submission), "followup.due", submission=fu.submission,
               url=f"/followups/{fu.id}", due=fu.due_on.isoformat())
        record_event(fu.submission, None, "remind_followup", data={"followup": fu.id, "due_on": fu.due_on.isoformat()})
        log.info("follow-up reminder sent: followup %s (submission %s), due %s", fu.id, fu.submission_id, fu.due_on)
        sent += 1
    return sent
