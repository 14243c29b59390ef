"""Paginated, sortable, searchable lists for every role's tables."""
from __future__ import annotations

from flask import current_app, request

from .extensions import db
from .submissions.models import Status, Submission

SORTS = {
    "updated": Submission.updated_at,
    "created": Submission.created_at,
    "title": Submission.title,
    "status": Submission.status,
    "due": Submission.review_due,
}


def submission_page(query):
    """Apply ?q= (title search), ?status=, ?sort= and ?dir= to a Submission query and paginate."""
    query, args = filtered_submissions(query)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return page, args


def filtered_submissions(query):
    """The list's filters and order applied to a Submission query (the page and its export alike)."""
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(Submission.title.contains(q))
    status = request.args.get("status", "")
    if status in Status._value2member_map_:
        query = query.where(Submission.status == Status(status))
    sort = request.args.get("sort", "updated")
    column = SORTS.get(sort, Submission.updated_at)
    descending = request.args.get("dir", "desc" if sort in ("updated", "created") else "asc") == "desc"
    # The tie-break follows the sort's direction, so one index (column, id) serves both directions.
    tie = Submission.id.desc() if descending else Submission.id.asc()
    query = query.order_by(column.desc() if descending else column.asc(), tie)
    return query, {"q": q, "status": status, "sort": sort, "dir": "desc" if descending else "asc"}
