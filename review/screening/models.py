"""The office's edited copy of a round's 初筛表 (the system's answers stay in the version)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import tz_datetime, utcnow


class ScreeningForm(db.Model):
    __tablename__ = "screening_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("submission_version.id", ondelete="CASCADE"), unique=True)
    # [{id, topic, answer, evidence, reasons: [{clause_id, citation, text}]}] as the office left them.
    questions: Mapped[list] = mapped_column(JSON, default=list)
    impact_level: Mapped[str] = mapped_column(String(10), default="")
    related_departments: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, onupdate=utcnow)
    finalised_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    version = relationship("SubmissionVersion")
