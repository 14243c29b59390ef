"""Expert assignments, opinions with clause comments, decisions and revision responses."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from ..models_base import enum_column, tz_datetime, utcnow
from ..submissions.models import Conclusion

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..experts.models import Expert
    from ..submissions.models import Clause, Submission, SubmissionVersion


class AssignmentStatus(str, enum.Enum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"
    conflict = "conflict"  # the expert declared a conflict of interest
    submitted = "submitted"  # the opinion is in and locked
    replaced = "replaced"  # the office replaced the expert (overdue, or after a decline)
    cancelled = "cancelled"  # review closed before the expert answered

    @property
    def is_open(self) -> bool:
        """Counts against the expert's load."""
        return self in (AssignmentStatus.invited, AssignmentStatus.accepted)


class Severity(str, enum.Enum):
    low = "low"
    medium = "medium"
    high = "high"


class OpinionStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"


class ResponseKind(str, enum.Enum):
    adopted = "adopted"  # 采纳
    partly = "partly"  # 部分采纳
    rejected = "rejected"  # 不采纳


class CheckStatus(str, enum.Enum):
    """A round-n expert's finding on one opinion item of round n-1."""

    done = "done"  # 已落实
    not_done = "not_done"  # 未落实


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("submission_id", "round", "expert_id", name="uq_assignment_seat"),
        Index("ix_assignment_status_expert", "status", "expert_id"),  # open loads per expert
        Index("ix_assignment_expert_invited", "expert_id", "invited_at"),  # an expert's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus), default=AssignmentStatus.invited, index=True
    )
    due: Mapped[date | None] = mapped_column(Date)
    # Why routing proposed this expert (domains, terms, clauses), kept for the office.
    reasons: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column()
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    invited_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    submission: Mapped["Submission"] = relationship(back_populates="assignments")
    expert: Mapped["Expert"] = relationship()
    opinion: Mapped["Opinion | None"] = relationship(
        back_populates="assignment", uselist=False, cascade="all, delete-orphan"
    )
    reminders: Mapped[list["ReminderLog"]] = relationship(cascade="all, delete-orphan")


class Opinion(db.Model):
    __tablename__ = "opinion"
    __table_args__ = (
        CheckConstraint(
            "status != 'submitted' OR (recommendation IS NOT NULL AND submitted_at IS NOT NULL)",
            name="submitted_is_complete",
        ),
        Index("ix_opinion_status_id", "status", "id"),  # routing's pool signature
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignment.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[OpinionStatus] = mapped_column(enum_column(OpinionStatus), default=OpinionStatus.draft)
    recommendation: Mapped[Conclusion | None] = mapped_column(enum_column(Conclusion))
    summary: Mapped[str] = mapped_column(Text, default="")
    # {"Q1": "是" | "不知道" | "否", ...}: the expert's confirmed screening answers.
    screening: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, onupdate=utcnow)
    # Raised by the database on every flush that changes the opinion or one of its comments
    # (see _bump_revision); the cached review page is keyed on it.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    assignment: Mapped[Assignment] = relationship(back_populates="opinion")
    comments: Mapped[list["ClauseComment"]] = relationship(
        back_populates="opinion", order_by="ClauseComment.id", cascade="all, delete-orphan"
    )
    checks: Mapped[list["ItemCheck"]] = relationship(
        back_populates="opinion", order_by="ItemCheck.id", cascade="all, delete-orphan"
    )


class ClauseComment(db.Model):
    __tablename__ = "clause_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id", ondelete="CASCADE"), index=True)
    # Null for a general comment on the whole draft.
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    determinant: Mapped[str] = mapped_column(String(100), default="")
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), default=Severity.medium)
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    opinion: Mapped[Opinion] = relationship(back_populates="comments")
    clause: Mapped["Clause | None"] = relationship()


class ItemCheck(db.Model):
    """Whether an opinion item of the previous round was acted on, as one expert of this round finds it."""

    __tablename__ = "item_check"
    __table_args__ = (UniqueConstraint("opinion_id", "comment_id", name="uq_item_check"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id", ondelete="CASCADE"), index=True)
    # The previous round's opinion item (a clause comment) being checked.
    comment_id: Mapped[int] = mapped_column(ForeignKey("clause_comment.id", ondelete="CASCADE"), index=True)
    status: Mapped[CheckStatus] = mapped_column(enum_column(CheckStatus))
    note: Mapped[str] = mapped_column(Text, default="")

    opinion: Mapped[Opinion] = relationship(back_populates="checks")
    comment: Mapped["ClauseComment"] = relationship(foreign_keys=[comment_id])


@event.listens_for(Session, "before_flush")
def _bump_revision(session: Session, _context, _instances) -> None:
    """Every change to an opinion or its comments raises the opinion's revision, whoever makes it.

    ``revision + 1`` is evaluated by the database, so two concurrent writers never store the same
    revision for different contents.
    """
    touched = {o for o in session.dirty if isinstance(o, Opinion) and o not in session.new}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (ClauseComment, ItemCheck)):
            opinion = obj.opinion or (session.get(Opinion, obj.opinion_id) if obj.opinion_id else None)
            if opinion is not None and opinion not in session.new:
                touched.add(opinion)
    for opinion in touched:
        if opinion not in session.deleted:
            opinion.revision = Opinion.revision + 1


class Decision(db.Model):
    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("submission_id", "round", name="uq_decision_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    conclusion: Mapped[Conclusion] = mapped_column(enum_column(Conclusion))
    proposed: Mapped[Conclusion | None] = mapped_column(enum_column(Conclusion, "proposed_conclusion"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Experts whose recommendation was stricter than the decision: [{expert_id, name, recommendation}].
    dissent: Mapped[list] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    submission: Mapped["Submission"] = relationship(back_populates="decisions")
    decided_by: Mapped["User"] = relationship()


class RevisionResponse(db.Model):
    """The department's answer to one opinion item, given with the next round's draft."""

    __tablename__ = "revision_response"
    __table_args__ = (UniqueConstraint("version_id", "comment_id", name="uq_response_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("clause_comment.id", ondelete="CASCADE"))
    response: Mapped[ResponseKind] = mapped_column(enum_column(ResponseKind))
    reason: Mapped[str] = mapped_column(Text, default="")

    version: Mapped["SubmissionVersion"] = relationship()
    comment: Mapped[ClauseComment] = relationship()


class ReminderLog(db.Model):
    """One reminder sent; the unique key makes "never twice a day" a database guarantee."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("assignment_id", "kind", "day", name="uq_reminder_once_a_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # before_due | overdue | manual
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
