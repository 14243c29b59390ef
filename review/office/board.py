"""The progress board's figures: deadlines, clause comments and last activity per seat and per review.

Read as plain rows (a count, a page of reviews, their seats, the seats' figures): the board costs
the same statements however many reviews and comments there are, and builds no ORM objects. The
statements are built once (review/plain.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from .. import plain
from ..calendar import to_local
from ..accounts.models import Department
from ..experts.models import Expert
from ..extensions import db
from ..listing import Page, page_count
from ..reviews.models import Assignment, AssignmentStatus, ClauseComment, Opinion
from ..submissions.models import Status, Submission

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


@dataclass(frozen=True)
class SeatFacts:
    """What a board line shows of a seat (read as plain columns, not ORM objects: the board's cost
    was in loading and tracking ~80 objects a page)."""

    id: int
    status: AssignmentStatus
    due: date | None
    invited_at: datetime | None
    responded_at: datetime | None
    expert_name: str


@dataclass(frozen=True)
class ReviewFacts:
    """What a board line shows of a submission."""

    id: int
    title: str
    department: str  # the department's display name
    current_round: int
    review_due: date | None
    updated_at: datetime | None


@dataclass
class Seat:
    assignment: SeatFacts
    deadline: Deadline
    comments: int
    last_activity: datetime | None


@dataclass
class BoardRow:
    submission: ReviewFacts
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


def board_page(page: int, per_page: int) -> Page:
    """The reviews under way, the nearest deadline first: a count and one page of plain rows."""
    under_review = Submission.status == Status.under_review
    total = plain.scalar(plain.built(("board", "count"), lambda: db.select(db.func.count()).select_from(Submission)
                                     .where(under_review)))
    page = min(max(page, 1), page_count(total, per_page))
    rows = plain.rows(plain.built(("board", "page"), lambda: (
        db.select(Submission.id, Submission.title, Department.display,
                  Submission.current_round, Submission.review_due, Submission.updated_at)
        .join(Department, Department.id == Submission.department_id).where(under_review)
        .order_by(Submission.review_due.asc().nulls_last(), Submission.id)
        .limit(db.bindparam("limit")).offset(db.bindparam("offset")))),
        {"limit": per_page, "offset": (page - 1) * per_page})
    return Page([ReviewFacts(*row) for row in rows], total, page, per_page)


def seats_of(subs: list[ReviewFacts]) -> dict[int, list[SeatFacts]]:
    """submission id → its current round's seats with the expert's name, in one statement. The
    round is the one the page's first statement read (a revision in between cannot mix rounds),
    kept in Python: a condition on (submission, round) made SQLite scan every assignment."""
    seats: dict[int, list[SeatFacts]] = {s.id: [] for s in subs}
    if not subs:
        return seats
    rounds = {s.id: s.current_round for s in subs}
    rows = plain.rows(plain.built(("board", "seats"), lambda: (
        db.select(Assignment.submission_id, Assignment.round, Assignment.id, Assignment.status, Assignment.due,
                  Assignment.invited_at, Assignment.responded_at, Expert.name)
        .join(Expert, Expert.id == Assignment.expert_id)
        .where(Assignment.submission_id.in_(db.bindparam("ids", expanding=True))).order_by(Assignment.id))),
        {"ids": list(seats)})
    for sid, round_, *facts in rows:
        if round_ == rounds[sid]:
            seats[sid].append(SeatFacts(*facts))
    return seats


def seat_figures(assignment_ids: list[int]) -> dict[int, tuple[int, datetime | None, datetime | None]]:
    """assignment id → (clause comments, last comment, opinion last saved), in one statement."""
    if not assignment_ids:
        return {}
    rows = plain.rows(plain.built(("board", "figures"), lambda: (
        db.select(Opinion.assignment_id,
                  db.func.count(ClauseComment.id).filter(ClauseComment.clause_id.is_not(None)),
                  db.func.max(ClauseComment.created_at), db.func.max(Opinion.updated_at))
        .outerjoin(ClauseComment, ClauseComment.opinion_id == Opinion.id)
        .where(Opinion.assignment_id.in_(db.bindparam("ids", expanding=True)))
        .group_by(Opinion.assignment_id))), {"ids": list(assignment_ids)})
    return {aid: (count, last_comment, saved) for aid, count, last_comment, saved in rows}


def board_rows(subs: list[ReviewFacts], today: date) -> list[BoardRow]:
    """One row per submission with its current round's seats."""
    seats = seats_of(subs)
    figures = seat_figures([a.id for round_seats in seats.values() for a in round_seats])
    rows = []
    for sub in subs:
        row = BoardRow(sub)
        for a in seats[sub.id]:
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
