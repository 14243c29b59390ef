"""What routing keeps between requests: proposals per draft version, tokenised expert profiles."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import tz_datetime, utcnow


class StoredProposal(db.Model):
    """A panel proposal computed for one draft version.

    ``key`` digests everything the proposal depends on (panel size, department, drafters, review
    period, the expert pool's signature); a row whose key no longer matches is recomputed.
    """

    __tablename__ = "routing_proposal"
    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_routing_proposal_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)


class ExpertTokens(db.Model):
    """An expert's profile text as routing reads it, segmented once (jieba is most of an index build).

    ``version`` names the state it was made from (the expert's update time and submitted opinions),
    so a fresh worker reuses it and only changed experts are segmented again.
    """

    __tablename__ = "routing_expert_tokens"

    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(120))
    opinions_text: Mapped[str] = mapped_column(Text, default="")
    tokens: Mapped[list] = mapped_column(JSON)
