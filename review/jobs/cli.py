"""`flask worker` runs the job queue's consumer; `flask jobs` looks at the jobs and recovers them."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", type=int, default=None, help="threads (default REVIEW_JOB_WORKERS)")
@with_appcontext
def worker_cmd(workers: int | None) -> None:
    """Run background jobs until stopped (SIGTERM/SIGINT stop it after the running jobs)."""
    from .queue import queue_for

    queue = queue_for(current_app)
    if queue.immediate:
        raise click.ClickException("REVIEW_JOB_QUEUE=immediate runs jobs in-process: there is nothing to consume")
    import threading

    from pipeline.forked import prestart

    from .operations import enqueue_once

    threading.Thread(target=prestart, daemon=True, name="warm-parse-parent").start()

    # Warm-up: the precedent index the review pages use, built before the first page asks for it.
    enqueue_once("build_precedents", subject="precedents")
    queue.consumer(workers or int(current_app.config["JOB_WORKERS"])).run()


@click.group("jobs")
def jobs_cmd() -> None:
    """Background jobs."""


@jobs_cmd.command("list")
@click.option("--status", default=None)
@click.option("--limit", type=int, default=50)
@with_appcontext
def list_cmd(status: str | None, limit: int) -> None:
    """One JSON line per job, newest first."""
    from ..extensions import db
    from .models import Job, JobStatus

    query = db.select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == JobStatus(status))
    for job in db.session.scalars(query):
        click.echo(json.dumps({**job.as_dict(), "subject": job.subject, "worker": job.worker}, ensure_ascii=False))


@jobs_cmd.command("reap")
@with_appcontext
def reap_cmd() -> None:
    """Requeue (or fail) the jobs of workers that died; the workers also do this every minute."""
    from .operations import reap

    click.echo(json.dumps(reap(current_app._get_current_object())))


def register(app) -> None:
    app.cli.add_command(worker_cmd)
    app.cli.add_command(jobs_cmd)
