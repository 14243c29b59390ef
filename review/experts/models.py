"""Committee experts: profile, availability and declared conflicts."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import tz_datetime, utcnow

if TYPE_CHECKING:
    from ..accounts.models import Department, User


class Expert(db.Model):
    __tablename__ = "expert"
    __table_args__ = (CheckConstraint("max_load >= 0", name="max_load_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    # Domain codes from rubrics/domains.toml, primary first.
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    expertise: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    max_load: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, onupdate=utcnow)

    user: Mapped["User | None"] = relationship(back_populates="expert")
    unavailable: Mapped[list["ExpertUnavailability"]] = relationship(
        back_populates="expert", cascade="all, delete-orphan", order_by="ExpertUnavailability.start"
    )
    conflicts: Mapped[list["ExpertConflict"]] = relationship(
        back_populates="expert", cascade="all, delete-orphan"
    )

    def is_unavailable(self, start: date, end: date) -> bool:
        return any(p.start <= end and start <= p.end for p in self.unavailable)

    def __repr__(self) -> str:
        return f"<Expert {self.name}>"


class ExpertUnavailability(db.Model):
    __tablename__ = "expert_unavailability"
    __table_args__ = (CheckConstraint("start <= \"end\"", name="period_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")

    expert: Mapped[Expert] = relationship(back_populates="unavailable")


class ExpertConflict(db.Model):
    """A conflict of interest the expert declared with a department."""

    __tablename__ = "expert_conflict"
    __table_args__ = (UniqueConstraint("expert_id", "department_id", name="uq_expert_conflict_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)

    expert: Mapped[Expert] = relationship(back_populates="conflicts")
    department: Mapped["Department"] = relationship()
