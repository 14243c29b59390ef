"""A follow-up evaluation, its indicators and the reminders sent for it."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..calendar import add_months
from ..extensions import db
from ..models_base import enum_column, tz_datetime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import Department
    from ..submissions.models import Submission


class FollowUpStatus(str, enum.Enum):
    scheduled = "scheduled"  # waiting for the date, then for the department's report
    reported = "reported"  # the report is in; the office reads it
    accepted = "accepted"  # the office accepted the report
    new_review = "new_review"  # the office asked for a new review


class Expected(str, enum.Enum):
    """Whether the health effects were as expected."""

    yes = "yes"
    partly = "partly"
    no = "no"


class FollowUp(db.Model):
    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_status_due", "status", "due_on", "id"),  # reminders, the board
        Index("ix_followup_department_status", "department_id", "status", "due_on"),  # a department's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One follow-up per approving decision.
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    # A fixed date, or None while it is "months after publication" and publication is not recorded.
    due_on: Mapped[date | None] = mapped_column(Date)
    months_after_publication: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[FollowUpStatus] = mapped_column(enum_column(FollowUpStatus), default=FollowUpStatus.scheduled)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    # The department's report.
    expected: Mapped[Expected | None] = mapped_column(enum_column(Expected))
    report_text: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The office's answer.
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The new submission the department sent after "ask for a new review".
    new_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"))

    submission: Mapped["Submission"] = relationship(foreign_keys=[submission_id])
    department: Mapped["Department"] = relationship()
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="followup", order_by="Indicator.ordinal", cascade="all, delete-orphan")

    def is_overdue(self, today: date) -> bool:
        return self.status is FollowUpStatus.scheduled and self.due_on is not None and self.due_on < today

    def date_from_publication(self, published_on: date | None) -> None:
        """A follow-up "N months after publication" is due that many months after the policy was
        published; without a recorded publication it has no date yet."""
        if self.months_after_publication is not None and published_on is not None:
            self.due_on = add_months(published_on, self.months_after_publication)


class Indicator(db.Model):
    """A monitoring indicator: what to measure, the target, and the result the department reports."""

    __tablename__ = "followup_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followup.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    target: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[str] = mapped_column(Text, default="")

    followup: Mapped[FollowUp] = relationship(back_populates="indicators")


class FollowUpReminder(db.Model):
    """One reminder sent; the unique key makes "once a day per follow-up" a database guarantee."""

    __tablename__ = "followup_reminder"
    __table_args__ = (UniqueConstraint("followup_id", "day", name="uq_followup_reminder_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followup.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
