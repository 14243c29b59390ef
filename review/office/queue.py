"""The office queue as plain rows: the number per status, a page's keys, the page's rows.

The per-status numbers the page shows anyway give the page's total when no title search is set,
so a page costs three statements (four with a search), each built once per shape (review/plain.py)
and none building ORM objects."""
from __future__ import annotations

from .. import plain
from ..accounts.models import Department
from ..extensions import db
from ..listing import Page, page_count, submission_order
from ..submissions.models import Status, Submission

ROW_COLUMNS = (Submission.id, Submission.title, Submission.policy_type, Submission.current_round,
               Submission.status, Submission.created_at, Submission.review_due)


def status_counts() -> dict[Status, int]:
    return dict(plain.rows(plain.built(("queue", "counts"), lambda: db.select(
        Submission.status, db.func.count()).group_by(Submission.status))))


def _conditions(args: dict) -> list:
    conds = []
    if args["q"]:
        conds.append(Submission.title.contains(db.bindparam("q")))
    if args["status"]:
        conds.append(Submission.status == db.bindparam("status"))
    return conds


def _values(args: dict) -> dict:
    values = {}
    if args["q"]:
        values["q"] = args["q"]
    if args["status"]:
        values["status"] = Status(args["status"])
    return values


def queue_page(args: dict, counts: dict[Status, int], page: int, per_page: int) -> Page:
    """The page of the queue that ``args`` (listing.list_args) select; a page past the end is the last."""
    values = _values(args)
    shape = plain.shape_of(values, "queue", args["sort"], args["dir"])
    if args["q"]:
        total = plain.scalar(plain.built((*shape, "count"), lambda: db.select(db.func.count()).select_from(Submission)
                                         .where(*_conditions(args))), values)
    elif args["status"]:
        total = counts.get(Status(args["status"]), 0)
    else:
        total = sum(counts.values())
    page = min(max(page, 1), page_count(total, per_page))
    keys = plain.rows(plain.built((*shape, "keys"), lambda: (
        db.select(Submission.id).where(*_conditions(args)).order_by(*submission_order(args))
        .limit(db.bindparam("limit")).offset(db.bindparam("offset")))),
        {**values, "limit": per_page, "offset": (page - 1) * per_page})
    if not keys:
        return Page([], total, page, per_page)
    rows = plain.rows(plain.built(("queue", "rows", args["sort"], args["dir"]), lambda: (
        db.select(*ROW_COLUMNS, Department.display.label("department"))
        .join(Department, Department.id == Submission.department_id)
        .where(Submission.id.in_(db.bindparam("ids", expanding=True))).order_by(*submission_order(args)))),
        {"ids": [k[0] for k in keys]})
    return Page(rows, total, page, per_page)
