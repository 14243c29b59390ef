"""The queue that carries job ids to workers: Huey (https://huey.readthedocs.io).

``REVIEW_JOB_QUEUE`` chooses where it lives:
- ``sqlite`` (the default): a SQLite file in the instance folder; needs no service, and
  ``make run`` starts one worker beside gunicorn (``flask --app wsgi worker``);
- ``redis://host:6379/0``: Redis, for several app nodes and workers (README, Production);
- ``immediate``: no worker, a job runs in the process that enqueues it, right after the
  commit (tests; and single-process tools). Under TESTING it is the default.
"""
from __future__ import annotations

import logging
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)
_KEY = "review.jobs"


class JobQueue:
    def __init__(self, app):
        self.app = app
        self.huey = _make_huey(app)
        self._task = self.huey.task(name="review.run_job", retries=0)(self._run)
        self.huey.periodic_task(crontab(minute="*"), name="review.reap_jobs")(self._reap)
        self.huey.on_startup(name="review.reap_at_start")(self._reap)

    @property
    def immediate(self) -> bool:
        return self.huey.immediate

    def send(self, job_id: int, delay: float = 0) -> None:
        if delay and not self.huey.immediate:
            self._task.schedule((job_id,), delay=delay)
        else:
            self._task(job_id)

    def _run(self, job_id: int) -> None:
        from .operations import run

        # A context (and so a database session) of its own, also in immediate mode where the
        # enqueueing request's context is still active around it.
        with self.app.app_context():
            try:
                run(job_id)
            finally:
                from ..extensions import db

                db.session.remove()

    def _reap(self) -> None:
        from .operations import reap

        with self.app.app_context():
            try:
                reap(self.app)
            finally:
                from ..extensions import db

                db.session.remove()

    def consumer(self, workers: int):
        # Huey's idle polling backs off to 10 s by default: an upload would wait that long for its
        # parse. A short cap keeps the preview quick (Redis blocks on the queue instead of polling).
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         check_worker_health=True, initial_delay=0.05, backoff=1.2,
                                         max_delay=float(self.app.config["JOB_POLL_SECONDS"]))


def _make_huey(app):
    setting = str(app.config.get("JOB_QUEUE") or "").strip()
    if not setting:
        setting = "immediate" if app.config.get("TESTING") else "sqlite"
    if setting == "immediate":
        return SqliteHuey(name="review", filename=":memory:", immediate=True)
    if setting.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name="review", url=setting)
    if setting == "sqlite" or setting.startswith("sqlite:///"):
        path = setting.removeprefix("sqlite:///") if setting != "sqlite" else ""
        filename = Path(path) if path else Path(app.instance_path) / "jobs.sqlite3"
        return SqliteHuey(name="review", filename=str(filename))
    raise RuntimeError(f"REVIEW_JOB_QUEUE: unknown queue {setting!r} (sqlite, sqlite:///path, redis://..., immediate)")


def init_app(app) -> None:
    app.extensions[_KEY] = JobQueue(app)


def queue_for(app) -> JobQueue:
    return app.extensions[_KEY]
