"""The audit trail as a hash chain: each event's SHA-256 covers its fields and the previous hash.

Events are linked when their transaction commits (``before_commit``), after every other lock of
the transaction was taken: the head row is updated first, so concurrent writers on PostgreSQL
(row lock) and SQLite (database write lock) queue there and the chain never forks.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import event, inspect, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models_base import utcnow
from .models import AuditEvent, AuditHead

_PENDING = "review.audit_pending"
HEAD_ID = 1
# The fields an event's hash covers, in the order the verifier reports them.
FIELDS = ("id", "seq", "prev", "submission_id", "actor_id", "action", "from_state", "to_state",
          "reason", "round", "data", "created_at")


def canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def timestamp(value: datetime | None) -> str | None:
    """UTC with microseconds; SQLite hands back naive datetimes, which were stored as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_payload(row, seq: int | None = None, prev: str | None = None) -> dict:
    """What the hash covers, from an AuditEvent or a row with the same attributes."""
    return {
        "id": row.id, "seq": row.seq if seq is None else seq,
        "prev": row.prev_hash if prev is None else prev,
        "submission_id": row.submission_id, "actor_id": row.actor_id, "action": row.action,
        "from_state": row.from_state or "", "to_state": row.to_state or "", "reason": row.reason or "",
        "round": row.round, "data": row.data, "created_at": timestamp(row.created_at),
    }


def queue(event_: AuditEvent) -> None:
    """Link this event into the chain when its transaction commits."""
    db.session.info.setdefault(_PENDING, []).append(event_)


def lock_head(session) -> AuditHead:
    """The head row, locked for this transaction (created on first use)."""
    for _attempt in range(3):
        result = session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(updated_at=utcnow()))
        if result.rowcount:
            break
        try:
            with session.begin_nested():
                session.add(AuditHead(id=HEAD_ID, seq=0, hash=""))
                session.flush()
        except IntegrityError:
            continue  # another writer created it: queue on its row lock
        break
    return session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def _link_pending(session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint is released: only the outer commit links
    pending = session.info.pop(_PENDING, [])
    pending = [e for e in pending if e in session and not inspect(e).deleted]
    if not pending:
        return
    session.flush()  # ids and timestamps
    head = lock_head(session)
    seq, prev = head.seq, head.hash
    for e in sorted(pending, key=lambda e: e.id):
        seq += 1
        e.seq, e.prev_hash = seq, prev
        e.chained = canonical(event_payload(e))
        e.hash = prev = sha256_hex(e.chained)
    head.seq, head.hash = seq, prev
    session.flush()


def _forget_pending(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def init() -> None:
    if not event.contains(db.session, "before_commit", _link_pending):
        event.listen(db.session, "before_commit", _link_pending)
        event.listen(db.session, "after_transaction_end", _forget_pending)
