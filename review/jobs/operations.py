"""Enqueueing, running and recovering background jobs.

A feature registers a handler for a kind of job (``@job_handler("inventory")``) and enqueues work
with ``enqueue``. The job row is written in the caller's transaction and handed to the queue only
once that commits, so a worker never looks for a row that does not exist yet, and a rolled-back
request leaves no job behind.

A handler runs in a worker with an app context of its own: ``handler(job, progress)``. Its database
work is committed when it returns. ``progress(done, total, note)`` commits the work done so far with
the progress (a checkpoint), so a page polling the job sees it at once and a retried job can skip
what is already done. ``JobFailure`` ends the job with a reason the user can read; any other error
is retried until ``max_attempts`` and then ends the job as failed.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from ..extensions import db
from ..models_base import utcnow
from ..transaction import on_commit
from .models import Job, JobStatus

log = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict | None]
_HANDLERS: dict[str, Handler] = {}


class JobFailure(Exception):
    """The job cannot be done, for a reason the user can act on (a code of review/messages.py)."""

    def __init__(self, code: str, message: str = "", **params):
        self.code, self.params = code, params
        super().__init__(message or code)


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn
    return register


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def enqueue(kind: str, payload: dict | None = None, *, owner=None, owner_id: int | None = None,
            subject: str = "", total: int = 0, max_attempts: int = 3) -> Job:
    """A new job, dispatched to the queue once the current transaction commits."""
    if kind not in _HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, payload=payload or {}, owner_id=getattr(owner, "id", owner_id), subject=subject[:80],
              total=total, max_attempts=max_attempts, due_at=utcnow())
    db.session.add(job)
    db.session.flush()
    _dispatch_after_commit(job.id)
    return job


def enqueue_once(kind: str, payload: dict | None = None, *, subject: str = "") -> int | None:
    """A job of ``kind`` and ``subject`` unless one is already waiting or running; written and sent
    at once on a connection of its own (for pages that only read, such as a cache refresh)."""
    from sqlalchemy import insert

    with db.engine.begin() as conn:
        waiting = conn.execute(db.select(Job.id).where(
            Job.kind == kind, Job.subject == subject,
            Job.status.in_((JobStatus.queued, JobStatus.running))).limit(1)).scalar()
        if waiting is not None:
            return None
        job_id = conn.execute(insert(Job).values(kind=kind, subject=subject, payload=payload or {},
                                                 status=JobStatus.queued, created_at=utcnow(), due_at=utcnow(),
                                                 done=0, total=0,
                                                 note="", error_code="", error_params={}, attempts=0,
                                                 max_attempts=3, lease="", worker="")).inserted_primary_key[0]
    dispatch(current_app._get_current_object(), job_id)
    return job_id


def _dispatch_after_commit(job_id: int) -> None:
    app = current_app._get_current_object()
    on_commit(lambda: dispatch(app, job_id))


def dispatch(app, job_id: int, delay: float = 0) -> None:
    from .queue import queue_for

    queue_for(app).send(job_id, delay)


def retry(job: Job) -> None:
    """Run a failed job again (the user's retry button): a fresh set of attempts."""
    if job.status is not JobStatus.failed:
        raise JobFailure("job_not_failed")
    job.status, job.attempts, job.error_code, job.error_params = JobStatus.queued, 0, "", {}
    job.done, job.note, job.finished_at, job.result, job.due_at = 0, "", None, None, utcnow()
    _dispatch_after_commit(job.id)


def latest_job(subject: str) -> Job | None:
    return db.session.scalar(db.select(Job).where(Job.subject == subject).order_by(Job.id.desc()).limit(1))


class Progress:
    """What a handler calls to report progress; each call is a checkpoint (commits)."""

    def __init__(self, job: Job, lease: str):
        self.job, self.lease = job, lease

    def __call__(self, done: int, total: int | None = None, note: str = "") -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        self.job.note = note[:200]
        self.job.heartbeat_at = utcnow()
        _commit_if_still_ours(self.job.id, self.lease)


class LeaseLost(Exception):
    """Another worker took the job over (this one was presumed dead): its work is dropped."""


def _commit_if_still_ours(job_id: int, lease: str) -> None:
    """Commit unless the job's lease changed (kept in a variable: the row's attribute would be
    reloaded from the database after a commit and always match)."""
    with db.session.no_autoflush:
        current = db.session.scalar(db.select(Job.lease).where(Job.id == job_id))
    if current != lease:
        db.session.rollback()
        raise LeaseLost(job_id)
    db.session.commit()


def run(job_id: int) -> None:
    """Run one job in the current app context (called by the queue's task in a worker)."""
    lease = secrets.token_hex(8)
    # Taken in one conditional statement: a job sent twice (a retry, a reaped lost message) runs
    # once, even when two workers get its two messages at the same moment.
    took = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.queued).values(
        status=JobStatus.running, attempts=Job.attempts + 1, lease=lease, started_at=utcnow(),
        heartbeat_at=utcnow(), worker=f"{socket.gethostname()}:{os.getpid()}"[:80]))
    db.session.commit()
    if not took.rowcount:
        return  # done already, or running in another worker
    job = db.session.get(Job, job_id)
    handler = _HANDLERS.get(job.kind)
    beat = _Heartbeat(db.engine, job.id, lease, float(current_app.config["JOB_HEARTBEAT_SECONDS"]))
    beat.start()
    try:
        if handler is None:
            raise JobFailure("job_unknown_kind")
        result = handler(job, Progress(job, lease))
        job.status, job.result, job.finished_at = JobStatus.done, result or {}, utcnow()
        job.done = max(job.done, job.total)
        _commit_if_still_ours(job.id, lease)
    except LeaseLost:
        log.warning("job %s was taken over by another worker; this run's work is dropped", job_id)
    except JobFailure as exc:
        db.session.rollback()
        _end(job_id, JobStatus.failed, exc.code, exc.params)
    except Exception as exc:  # noqa: BLE001 - a handler's bug must not take the worker down
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, getattr(job, "kind", "?"))
        job = db.session.get(Job, job_id)
        if job.attempts < job.max_attempts:
            # Later each time: a mail server or a disk that refused may be back by then.
            delay = min(300, 5 * 2 ** job.attempts)
            job.status, job.note, job.lease = JobStatus.queued, "", ""
            job.due_at = utcnow() + timedelta(seconds=delay)
            db.session.commit()
            dispatch(current_app._get_current_object(), job_id, delay=delay)
        else:
            _end(job_id, JobStatus.failed, "job_error", {"detail": type(exc).__name__})
    finally:
        beat.stop()


def _end(job_id: int, status: JobStatus, code: str, params: dict) -> None:
    job = db.session.get(Job, job_id)
    job.status, job.error_code, job.error_params, job.finished_at = status, code, params, utcnow()
    db.session.commit()


class _Heartbeat:
    """Tells the reaper the worker is alive while a long handler runs (its own connection)."""

    def __init__(self, engine, job_id: int, lease: str, every: float):
        self.engine, self.job_id, self.lease, self.every = engine, job_id, lease, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"job-{job_id}-heartbeat")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == self.job_id, Job.lease == self.lease)
                                 .values(heartbeat_at=utcnow()))
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried at the next one
                log.warning("heartbeat of job %s failed: %s", self.job_id, exc)


def reap(app=None) -> dict:
    """Jobs whose worker died, or whose message never reached one.

    - Running without a heartbeat for JOB_STALE_SECONDS: queued again while it has attempts left,
      or marked failed (``worker_died``) otherwise.
    - Queued for JOB_STALE_SECONDS past its due time: the message was lost (the node that
      committed it died before sending, or a worker died after taking it); it is sent again. A
      message that was only slow is harmless twice: ``run`` takes a job once.
    """
    app = app or current_app._get_current_object()
    now = utcnow()
    cutoff = now - timedelta(seconds=float(app.config["JOB_STALE_SECONDS"]))
    stale = db.session.scalars(db.select(Job).where(Job.status == JobStatus.running,
                                                    Job.heartbeat_at < cutoff)).all()
    requeued, failed, resent = [], [], []
    for job in stale:
        # Conditional on the lease: two reapers (two workers) never both take the same job.
        values = ({"status": JobStatus.queued, "lease": "", "due_at": now} if job.attempts < job.max_attempts else
                  {"status": JobStatus.failed, "error_code": "worker_died", "finished_at": now, "lease": ""})
        took = db.session.execute(update(Job).where(Job.id == job.id, Job.lease == job.lease,
                                                    Job.status == JobStatus.running).values(**values))
        if took.rowcount:
            (requeued if values["status"] is JobStatus.queued else failed).append(job.id)
    waiting = db.session.execute(db.select(Job.id, Job.due_at).where(
        Job.status == JobStatus.queued, Job.due_at < cutoff)).all()
    for job_id, due_at in waiting:
        took = db.session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.queued,
                                                    Job.due_at == due_at).values(due_at=now))
        if took.rowcount:
            resent.append(job_id)
    db.session.commit()
    for job_id in requeued + resent:
        dispatch(app, job_id)
    if requeued or failed or resent:
        log.warning("reaped jobs: requeued %s and failed %s (dead workers), sent again %s (lost messages)",
                    requeued, failed, resent)
    return {"requeued": requeued, "failed": failed, "resent": resent}
