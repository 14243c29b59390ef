"""Run the same operation from several threads at the same instant, as concurrent requests do."""
from __future__ import annotations

import threading

from review.extensions import db


def run_at_once(app, job, args, *, timeout: float = 60) -> tuple[list, list[str]]:
    """Call ``job(arg)`` for every arg, each in its own thread and app context, released together.

    The job returns a result and commits itself; an exception rolls back and is collected.
    Returns (results, errors)."""
    barrier = threading.Barrier(len(args))
    results, errors = [], []

    def worker(arg):
        with app.app_context():
            try:
                results.append(job(arg, barrier))
            except Exception as exc:  # collected for the caller's assertions
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(a,)) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results, errors
