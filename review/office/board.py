"""The progress board's figures: deadlines, clause comments and last activity per seat and per review.

Counted in one aggregate statement for the whole page, so the board costs the same number of
statements however many reviews and comments there are."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from ..calendar import to_local
from ..extensions import db
from ..reviews.models import Assignment, ClauseComment, Opinion
from ..submissions.models import Submission

SOON_DAYS = 3  # a deadline this close is shown as near


@dataclass
class Deadline:
    due: date | None
    days: int | None  # days left; negative when overdue; None without a deadline or when done

    @property
    def state(self) -> str:
        if self.days is None:
            return "none"
        if self.days < 0:
            return "overdue"
        return "soon" if self.days <= SOON_DAYS else "ok"


@dataclass
class Seat:
    assignment: Assignment
    deadline: Deadline
    comments: int
    last_activity: datetime | None


@dataclass
class BoardRow:
    submission: Submission
    seats: list[Seat] = field(default_factory=list)
    deadline: Deadline = field(default_factory=lambda: Deadline(None, None))
    comments: int = 0
    last_activity: datetime | None = None

    @property
    def submitted(self) -> int:
        return sum(s.assignment.status.value == "submitted" for s in self.seats)

    @property
    def overdue_seats(self) -> int:
        return sum(s.deadline.state == "overdue" for s in self.seats)


def _latest(*moments: datetime | None) -> datetime | None:
    """The latest of the instants, in local time (compared as UTC: SQLite gives them naive)."""
    known = [m if m.tzinfo else m.replace(tzinfo=timezone.utc) for m in moments if m is not None]
    return to_local(max(known)) if known else None


def seat_figures(assignment_ids: list[int]) -> dict[int, tuple[int, datetime | None, datetime | None]]:
    """assignment id → (clause comments, last comment, opinion last saved), in one statement."""
    if not assignment_ids:
        return {}
    rows = db.session.execute(
        db.select(Opinion.assignment_id,
                  db.func.count(ClauseComment.id).filter(ClauseComment.clause_id.is_not(None)),
                  db.func.max(ClauseComment.created_at), db.func.max(Opinion.updated_at))
        .outerjoin(ClauseComment, ClauseComment.opinion_id == Opinion.id)
        .where(Opinion.assignment_id.in_(assignment_ids))
        .group_by(Opinion.assignment_id)).all()
    return {aid: (count, last_comment, saved) for aid, count, last_comment, saved in rows}


def board_rows(subs: list[Submission], today: date) -> list[BoardRow]:
    """One row per submission with its current round's seats (assignments and experts loaded)."""
    seats_of = {s.id: s.round_assignments() for s in subs}
    figures = seat_figures([a.id for seats in seats_of.values() for a in seats])
    rows = []
    for sub in subs:
        row = BoardRow(sub)
        for a in seats_of[sub.id]:
            count, last_comment, saved = figures.get(a.id, (0, None, None))
            open_days = (a.due - today).days if a.status.is_open and a.due else None
            row.seats.append(Seat(a, Deadline(a.due, open_days), count,
                                  _latest(a.invited_at, a.responded_at, last_comment, saved)))
        open_dues = [s.deadline.due for s in row.seats if s.deadline.days is not None]
        due = sub.review_due or (min(open_dues) if open_dues else None)
        # The review's own clock runs until every seat has answered.
        running = bool(open_dues) or not row.seats
        row.deadline = Deadline(due, (due - today).days if due and running else None)
        row.comments = sum(s.comments for s in row.seats)
        row.last_activity = _latest(sub.updated_at, *(s.last_activity for s in row.seats))
        rows.append(row)
    return rows
