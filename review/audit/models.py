"""Audit trail, in-app notifications and committee settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..models_base import tz_datetime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_submission_time", "submission_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(32), default="")
    to_state: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    round: Mapped[int | None] = mapped_column()
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, index=True)
    # The hash chain (review/audit/chain.py): position, the previous event's hash, the canonical
    # JSON that was hashed, and its SHA-256. Set when the event's transaction commits.
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    chained: Mapped[str] = mapped_column(Text, default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    actor: Mapped[User | None] = relationship()


class AuditHead(db.Model):
    """The chain's last link (one row). Appending updates it first, in the same transaction, so
    concurrent writers queue on this row instead of forking the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)


class AuditSeal(db.Model):
    """A chain head signed with the committee's key: rewriting the chain up to it is detectable."""

    __tablename__ = "audit_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Message id and parameters, rendered in the reader's language when shown.
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    read: Mapped[bool] = mapped_column(Boolean, default=False)


class CommitteeSetting(db.Model):
    """Committee-wide settings the office can change (one row)."""

    __tablename__ = "committee_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # Experts see each other's opinions before submitting their own only when this is set.
    experts_see_peers: Mapped[bool] = mapped_column(Boolean, default=False)
    # The sheet names the panel, or only gives its size.
    anonymise_panel: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow, onupdate=utcnow)
