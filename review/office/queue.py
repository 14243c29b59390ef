"""The office queue as plain rows: the number per status, a page's keys, the page's rows.

The per-status numbers the page shows anyway give the page's total when no title search is set,
so a page costs three statements (four with a search), each built once per shape (review/plain.py)
and none building ORM objects."""
from __future__ import annotations

from .. import plain
from ..accounts.models import Department
from ..extensions import db
from ..listing import Page, keyed_page, submission_filters, submission_order
from ..submissions.models import Status, Submission

ROW_COLUMNS = (Submission.id, Submission.title, Submission.policy_type, Submission.current_round,
               Submission.status, Submission.created_at, Submission.review_due)


def status_counts() -> dict[Status, int]:
    return dict(plain.rows(plain.built(("queue", "counts"), lambda: db.select(
        Submission.status, db.func.count()).group_by(Submission.status))))


def queue_page(args: dict, counts: dict[Status, int], page: int, per_page: int) -> Page:
    """The page of the queue that ``args`` (listing.list_args) select; a page past the end is the last."""
    conditions, values = submission_filters(args)
    shape = plain.shape_of(values, "queue", args["sort"], args["dir"])
    if args["q"]:
        total = plain.scalar(plain.built((*shape, "count"), lambda: db.select(db.func.count()).select_from(Submission)
                                         .where(*conditions)), values)
    elif args["status"]:
        total = counts.get(Status(args["status"]), 0)
    else:
        total = sum(counts.values())
    return keyed_page(
        shape, values, total,
        lambda: db.select(Submission.id).where(*conditions).order_by(*submission_order(args)),
        lambda: (db.select(*ROW_COLUMNS, Department.display.label("department"))
                 .join(Department, Department.id == Submission.department_id)
                 .where(Submission.id.in_(db.bindparam("ids", expanding=True))).order_by(*submission_order(args))),
        page, per_page)
