"""The opinion sheet (意见书) and the justice bureau's legality-review intake."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import enum_column, tz_datetime, utcnow

if TYPE_CHECKING:
    from ..reviews.models import Decision
    from ..submissions.models import Submission


class SheetStatus(str, enum.Enum):
    valid = "valid"
    superseded = "superseded"
    revoked = "revoked"


class OpinionSheet(db.Model):
    __tablename__ = "opinion_sheet"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_sheet_year_seq"),
        Index("ix_sheet_status_year_seq", "status", "year", "seq"),  # the register's status filter
        CheckConstraint(
            "(status = 'superseded') = (superseded_by_id IS NOT NULL)", name="superseded_has_successor"
        ),
        CheckConstraint("status != 'revoked' OR revoked_reason != ''", name="revoked_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One sheet per decision: the unique key is what makes a double click give one sheet.
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the verification code
    facts: Mapped[dict] = mapped_column(JSON)  # the signed facts, canonical JSON is derived from it
    signature: Mapped[str] = mapped_column(String(200))  # base64 Ed25519 signature
    key_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[SheetStatus] = mapped_column(enum_column(SheetStatus), default=SheetStatus.valid)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_sheet.id"))
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    issued_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    docx_key: Mapped[str] = mapped_column(String(255), default="")
    pdf_key: Mapped[str] = mapped_column(String(255), default="")

    decision: Mapped["Decision"] = relationship()
    submission: Mapped["Submission"] = relationship()
    superseded_by: Mapped["OpinionSheet | None"] = relationship(remote_side=[id])
    intakes: Mapped[list["LegalityIntake"]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan"
    )


class LegalityIntake(db.Model):
    """The justice bureau's record that a draft entered legality review against a sheet."""

    __tablename__ = "legality_intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("opinion_sheet.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    draft_matches: Mapped[bool | None] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    sheet: Mapped[OpinionSheet] = relationship(back_populates="intakes")
