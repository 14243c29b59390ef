"""Paginated, sortable, searchable lists for every role's tables."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, inspect, select

from . import plain
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
    return paginate(query), args


def list_args() -> dict:
    """The list's ?q= (title search), ?status=, ?sort= and ?dir= as the page keeps them."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    if status not in Status._value2member_map_:
        status = ""
    sort = request.args.get("sort", "updated")
    if sort not in SORTS:
        sort = "updated"
    descending = request.args.get("dir", "desc" if sort in ("updated", "created") else "asc") == "desc"
    return {"q": q, "status": status, "sort": sort, "dir": "desc" if descending else "asc"}


def submission_order(args: dict) -> tuple:
    """The list's order: the sort column, then the id in the same direction, so that one index
    (column, id) serves both directions."""
    column = SORTS[args["sort"]]
    if args["dir"] == "desc":
        return column.desc(), Submission.id.desc()
    return column.asc(), Submission.id.asc()


def submission_filters(args: dict) -> tuple[list, dict]:
    """(conditions, values) of ``args``' title search and status on Submission: the conditions are
    named parameters carrying their values, so a statement built once (review/plain.py) takes the
    values of another request by name."""
    values: dict = {}
    if args["q"]:
        values["q"] = args["q"]
    if args["status"]:
        values["status"] = Status(args["status"])
    conditions = []
    if "q" in values:
        conditions.append(Submission.title.contains(db.bindparam("q", values["q"])))
    if "status" in values:
        conditions.append(Submission.status == db.bindparam("status", values["status"]))
    return conditions, values


def filtered_submissions(query):
    """The list's filters and order applied to a Submission query (the page and its export alike)."""
    args = list_args()
    conditions, _values = submission_filters(args)
    return query.where(*conditions).order_by(*submission_order(args)), args


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows make: one when there are none."""
    return max((total + per_page - 1) // per_page, 1)


def keyed_page(shape: tuple, values: dict, total: int, keys, rows, page: int, per_page: int) -> "Page":
    """A page of plain rows (review/plain.py) in two statements kept under ``shape``: the page's
    keys from ``keys()`` (a select of the primary key alone, ordered; this adds LIMIT and OFFSET),
    then the rows from ``rows()`` (a select whose ``ids`` parameter takes those keys). ``total``
    rows match; a page past the end is the last."""
    page = min(max(page, 1), page_count(total, per_page))
    found = plain.rows(plain.built((*shape, "keys"), lambda: keys().limit(db.bindparam("limit"))
                                   .offset(db.bindparam("offset"))),
                       {**values, "limit": per_page, "offset": (page - 1) * per_page})
    if not found:
        return Page([], total, page, per_page)
    return Page(plain.rows(plain.built((*shape, "rows"), rows), {"ids": [k[0] for k in found]}), total, page, per_page)


class _Pagination(SelectPagination):
    """db.paginate's pagination with both statements shaped for big tables (same rows, same order):
    - the count reads primary keys only: over every column SQLite also reads each sheet's facts JSON
      (4,000 sheets: 4 ms of CPU against 0.9 ms, 10-20 ms against 1-2 ms with a cold cache);
    - a later page picks its keys first on the sort's index, then loads those rows: OFFSET over the
      full rows reads and joins every skipped one (queue page 250: 2-4 ms of CPU against 0.5 ms)."""

    def _key(self):
        return self._query_args["key"]

    def _query_items(self) -> list:
        # Counted first, so that a page past the end never reaches the database's OFFSET (a number
        # too large for it raised OverflowError): a page shows the last page (a stale link, a typed
        # ?page=), the API an empty one (a client reads pages until one is empty).
        self._total = self._count()
        last = page_count(self._total, self.per_page)
        if self.page > last:
            if not self._query_args["to_last"]:
                return []
            self.page = last
        key = self._key()
        if key is None or not self._query_offset:
            return super()._query_items()
        query = self._query_args["select"]
        keys = query.with_only_columns(key).limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(query.where(key.in_(keys.scalar_subquery()))).unique().scalars())

    def _query_count(self) -> int:
        return self._total

    def _count(self) -> int:
        key = self._key()
        if key is None:
            return super()._query_count()
        keys = self._query_args["select"].with_only_columns(key).order_by(None).subquery()
        return db.session.execute(select(func.count()).select_from(keys)).scalar()


def paginate(query, *, page: int | None = None, per_page: int | None = None,
             past_end: str = "last") -> SelectPagination:
    """``db.paginate(query, error_out=False)`` for a select of one mapped class (PAGE_SIZE a page, the
    page from ?page= unless given), cheaper on big tables (see _Pagination). A page past the end is
    the last page (``past_end="last"``, the pages) or empty (``"empty"``, the API)."""
    entity = query.column_descriptions[0].get("entity") if query.column_descriptions else None
    pks = inspect(entity).primary_key if entity is not None and len(query.column_descriptions) == 1 else ()
    return _Pagination(select=query, session=db.session(), key=pks[0] if len(pks) == 1 else None,
                       to_last=past_end == "last",
                       page=page, per_page=per_page or int(current_app.config["PAGE_SIZE"]),
                       max_per_page=None, error_out=False, count=True)


@dataclass
class Page:
    """A page of a list read without db.paginate (plain rows): what the pager macro reads, the
    attributes of Flask-SQLAlchemy's Pagination."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)
