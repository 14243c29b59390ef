"""A background job as the app sees it: what it is for, who asked, how far it got, how it ended.

The queue (Huey, review/jobs/queue.py) only carries the job's id to a worker; this row is what the
pages show and what survives a worker's death (review/jobs/operations.py:reap).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..models_base import enum_column, tz_datetime, utcnow


class JobStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.done, JobStatus.failed)


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_heartbeat", "status", "heartbeat_at"),
                      Index("ix_job_status_due", "status", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.queued)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    owner: Mapped[User | None] = relationship(lazy="raise")
    # What the job works on, e.g. "staged:12" or "inventory:3": pages find their job by it.
    subject: Mapped[str] = mapped_column(String(80), default="", index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(200), default="")  # the step under way, e.g. a file name
    error_code: Mapped[str] = mapped_column(String(40), default="")
    error_params: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    # Set at each start; a worker that finds another lease on its job was presumed dead and lost it.
    lease: Mapped[str] = mapped_column(String(32), default="")
    worker: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(tz_datetime(), default=utcnow)
    # When a queued job's message should reach a worker (its send, or a retry's delay). A job still
    # queued long after it lost its message (a node killed between commit and send, a worker killed
    # between taking the message and starting): the reaper sends it again.
    due_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    started_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(tz_datetime())
    finished_at: Mapped[datetime | None] = mapped_column(tz_datetime())

    @property
    def percent(self) -> int:
        if self.status is JobStatus.done:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status.value, "done": self.done,
                "total": self.total, "percent": self.percent, "note": self.note,
                "error": self.error_code or None, "attempts": self.attempts, "result": self.result}
