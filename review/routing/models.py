"""What routing keeps between requests: proposals per draft version, tokenised expert profiles."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from ..transaction import gather_until_commit
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


class PoolGeneration(db.Model):
    """One row: counters bumped by every transaction that changes what routing reads, so a view
    checks its stored proposal against one small row instead of aggregating the pool.

    ``text`` counts changes to the experts' profiles (an expert, a submitted opinion), ``state``
    changes to loads, availability and conflicts. ``epoch`` is drawn when the row is created: a
    database recreated at the same address never matches what a process cached for the old one.
    """

    __tablename__ = "routing_pool_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    text: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[int] = mapped_column(Integer, default=0)


_TEXT_TABLES = {"expert"}
_STATE_TABLES = {"assignment", "expert_unavailability", "expert_conflict"}


def _pool_change(obj) -> set[str]:
    table = getattr(getattr(obj, "__table__", None), "name", "")
    if table in _TEXT_TABLES:
        return {"text"}
    if table in _STATE_TABLES:
        return {"state"}
    if table == "opinion":  # a draft's edits change no profile; submitting (or undoing it) does
        status = inspect(obj).attrs.status
        values = [*status.history.added, *status.history.deleted, *status.history.unchanged]
        return {"text"} if any(getattr(v, "value", v) == "submitted" for v in values) else set()
    return set()


def _bump(session: Session, changed: set) -> None:
    # Bumped as the transaction's last write, so its row lock is held only for the commit and is
    # always taken after the audit head's (no lock-order deadlock between writers).
    bump_pool_generation(session, text="text" in changed, state="state" in changed)


gather_until_commit("routing_pool", _pool_change, _bump)


def bump_pool_generation(session: Session, *, text: bool = True, state: bool = True) -> None:
    """For writers that bypass the unit of work (bulk loads); the listeners above do it otherwise."""
    table = PoolGeneration.__table__
    if session.connection().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(id=1, epoch=uuid.uuid4().hex, text=int(text), state=int(state))
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={
        "text": table.c.text + int(text), "state": table.c.state + int(state)})
    session.execute(stmt)
