"""Batch assignment as a background job: invite the chosen panel of every accepted submission.

Each submission is committed on its own (a progress checkpoint), so one refused panel (an expert
now excluded, a submission withdrawn meanwhile) does not undo the others, and a retried job skips
the submissions whose panel is already invited.
"""
from __future__ import annotations

from datetime import date

from .. import lanes
from ..accounts.models import User
from ..extensions import db
from ..jobs import JobFailure, enqueue, job_handler
from ..submissions.models import Lane, Status, Submission
from ..workflow import TransitionError
from . import operations as rops


def start_batch(actor: User, panels: dict[int, list[int]], due: date):
    """``panels``: submission id → expert ids. The job, for the page to follow."""
    panels = {int(k): [int(e) for e in v] for k, v in panels.items() if v}
    if not panels:
        raise rops.ReviewError("no_experts", "choose at least one expert")
    return enqueue("batch_assign", {"panels": {str(k): v for k, v in panels.items()}, "due": due.isoformat()},
                   owner=actor, subject=f"batch:{actor.id}", total=len(panels))


@job_handler("batch_assign")
def run_batch(job, progress) -> dict:
    actor = db.session.get(User, job.owner_id)
    if actor is None:
        raise JobFailure("forbidden")
    due = date.fromisoformat(job.payload["due"])
    panels = job.payload["panels"]
    earlier = job.result or {}  # checkpoints of a run whose worker died
    result = {"invited": list(earlier.get("invited", [])), "refused": list(earlier.get("refused", []))}
    subs = {s.id: s for s in db.session.scalars(db.select(Submission).where(
        Submission.id.in_([int(k) for k in panels])))}
    for i, (key, expert_ids) in enumerate(panels.items()):
        sub = subs.get(int(key))
        if int(key) in result["invited"] or any(r["id"] == int(key) for r in result["refused"]):
            pass
        elif sub is None:
            result["refused"].append({"id": int(key), "title": "", "code": "not_found"})
        elif sub.status is Status.under_review and sub.round_assignments():
            result["invited"].append(sub.id)  # invited before a worker died, after its last checkpoint
        else:
            try:
                # 简易程序 keeps its shorter deadline unless the batch's date is earlier still.
                seat_due = min(due, lanes.default_due(sub)) if sub.lane is Lane.simple else due
                rops.assign_experts(actor, sub, expert_ids, seat_due)
                result["invited"].append(sub.id)
            except (TransitionError, rops.ReviewError) as exc:
                db.session.rollback()
                result["refused"].append({"id": sub.id, "title": sub.title, "code": exc.code,
                                          "params": dict(getattr(exc, "params", None) or {})})
        job.result = dict(result)
        progress(i + 1, len(panels), note=sub.title if sub is not None else "")
    return result

