"""The registry list: filters, search, sorting and pages, the same for the pages, the API and exports."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import joinedload, undefer

from ..accounts.models import Department, Role, User
from .. import plain
from ..extensions import db
from ..listing import Page, page_count
from ..permissions import visible_entries
from .models import IMPACT_LEVELS, EntryStatus, RegistryEntry
from .operations import reviewed_condition, reviews_of
from .search import match_value, matching_statement

SORTS = {
    "updated": RegistryEntry.updated_at,
    "title": RegistryEntry.title,
    "year": RegistryEntry.year,
    "status": RegistryEntry.status,
    "impact": RegistryEntry.impact_level,
    "yes": RegistryEntry.yes_count,
}
MAX_QUERY = 200


class FilterError(ValueError):
    def __init__(self, code: str, field: str, message: str):
        self.code = code
        self.field = field
        self.params: dict = {}
        super().__init__(message)


@dataclass
class Filters:
    department: int | None = None
    status: str = ""
    impact: str = ""
    year: int | None = None
    reviewed: str = ""  # "" | yes | no
    q: str = ""
    sort: str = "updated"
    dir: str = "desc"

    def args(self) -> dict:
        """As query parameters (empty ones left out), for links that keep the filters."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def _int(raw, field: str, low: int, high: int) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise FilterError("bad_filter", field, f"{field} must be a number between {low} and {high}")
    return int(raw)


def parse_filters(args) -> Filters:
    """Filters from query parameters; an unknown value raises FilterError naming the parameter."""
    f = Filters(department=_int(args.get("department"), "department", 1, 2**31 - 1),
                year=_int(args.get("year"), "year", 1900, 2200))
    for name, allowed in (("status", {s.value for s in EntryStatus}), ("impact", set(IMPACT_LEVELS)),
                          ("reviewed", {"yes", "no"}), ("sort", set(SORTS)), ("dir", {"asc", "desc"})):
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            raise FilterError("bad_filter", name, f"{name} must be one of {', '.join(sorted(allowed))}")
        if value:
            setattr(f, name, value)
    if not (args.get("dir") or "").strip():
        f.dir = "desc" if f.sort in ("updated", "year", "yes") else "asc"
    q = " ".join((args.get("q") or "").split())
    if len(q) > MAX_QUERY:
        raise FilterError("query_too_long", "q", f"the search is longer than {MAX_QUERY} characters")
    f.q = q
    return f


def _values(viewer: User, f: Filters) -> dict:
    """The named parameters of ``_conditions(viewer, f)``: their names are the statement's shape,
    their values change from one request to the next."""
    values = _viewer_values(viewer)
    if f.department is not None:
        values["department"] = f.department
    if f.status:
        values["status"] = EntryStatus(f.status)
    if f.impact:
        values["impact"] = f.impact
    if f.year is not None:
        values["year"] = f.year
    if f.q:
        match = match_value(f.q, _dialect())
        if match is not None:
            values["match"] = match
    return values


def _viewer_values(viewer: User) -> dict:
    """The named parameter of ``permissions.visible_entries(viewer)``: a department's id."""
    return {"viewer_department": viewer.department_id} if viewer.role is Role.department else {}


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _conditions(viewer: User, f: Filters) -> list:
    values = _values(viewer, f)
    conds = [visible_entries(viewer)]
    if "department" in values:
        conds.append(RegistryEntry.department_id == bindparam("department", values["department"]))
    if "status" in values:
        conds.append(RegistryEntry.status == bindparam("status", values["status"]))
    if "impact" in values:
        conds.append(RegistryEntry.impact_level == bindparam("impact", values["impact"]))
    if "year" in values:
        conds.append(RegistryEntry.year == bindparam("year", values["year"]))
    if f.reviewed:
        conds.append(reviewed_condition() if f.reviewed == "yes" else ~reviewed_condition())
    if "match" in values:  # the index holds the title too
        conds.append(RegistryEntry.id.in_(matching_statement(_dialect(), values["match"])))
    return conds


def _shape(viewer: User, f: Filters, values: dict, *purpose) -> tuple:
    """Everything the structure of a list statement depends on (plain.built): the viewer's role,
    which filters are set, reviewed yes/no, the order, the database (the search's syntax)."""
    return plain.shape_of(values, "registry", viewer.role, f.reviewed, f.sort, f.dir, _dialect(), *purpose)


def _order(f: Filters) -> tuple:
    column = SORTS.get(f.sort, RegistryEntry.updated_at)
    descending = f.dir == "desc"
    tie = RegistryEntry.id.desc() if descending else RegistryEntry.id.asc()
    return column.desc() if descending else column.asc(), tie


def entries_query(viewer: User, f: Filters):
    """Entries the viewer may see that match ``f``, in the requested order (id breaks ties)."""
    return select(RegistryEntry).where(*_conditions(viewer, f)).order_by(*_order(f))


def count_entries(viewer: User, f: Filters) -> int:
    """How many match: on the conditions alone (no join, no order), so an index can answer it."""
    values = _values(viewer, f)
    statement = plain.built(_shape(viewer, f, values, "count"), lambda: select(func.count()).select_from(
        RegistryEntry).where(*_conditions(viewer, f)))
    return plain.scalar(statement, values)


def get_entry(entry_id: int) -> RegistryEntry | None:
    return db.session.scalar(select(RegistryEntry).options(joinedload(RegistryEntry.department),
                                                           undefer(RegistryEntry.answers))
                             .where(RegistryEntry.id == entry_id))


# What a list line shows of an entry (registry/_row.html, the API's items), read as plain columns.
ROW_COLUMNS = (RegistryEntry.id, RegistryEntry.title, RegistryEntry.department_id, RegistryEntry.doc_number,
               RegistryEntry.status, RegistryEntry.origin, RegistryEntry.impact_level, RegistryEntry.yes_count,
               RegistryEntry.year, RegistryEntry.published_on, RegistryEntry.updated_at)


def entries_page(viewer: User, f: Filters, page: int, per_page: int, *,
                 past_end: str = "last") -> tuple[Page, dict]:
    """(a page of entries as plain rows, {reviews, reviewed}): at most four statements whatever the
    data (count, keys, rows with their department's name, review rounds), each built once per
    shape (review/plain.py). A search counts its matches with the keys (a window count), so that
    the full-text match runs once."""
    values = _values(viewer, f)
    page = max(page, 1)

    def keys_at(n: int, counted: bool):
        # The page's keys sorted on (sort column, id) alone: sorting the full rows of every match
        # (a search's 700 entries) built a temporary b-tree of whole rows, 5 ms against 2 ms.
        def build():
            columns = (RegistryEntry.id, func.count().over()) if counted else (RegistryEntry.id,)
            return (select(*columns).where(*_conditions(viewer, f)).order_by(*_order(f))
                    .limit(bindparam("limit")).offset(bindparam("offset")))

        return plain.rows(plain.built(_shape(viewer, f, values, "keys", counted), build),
                          {**values, "limit": per_page, "offset": (n - 1) * per_page})

    rows, total = [], None
    if "match" in values:
        rows = keys_at(page, counted=True)
        total = rows[0][1] if rows else None
    if total is None:
        total = count_entries(viewer, f)
    # Past the end: the last page on the pages, an empty page in the API (listing.paginate's rule).
    last = page_count(total, per_page)
    if page > last:
        if past_end != "last":
            return Page([], total, page, per_page), decorate([])
        page, rows = last, []
    ids = [r[0] for r in rows] if rows else [r[0] for r in keys_at(page, counted=False)]
    items = _rows_of(ids, f) if ids else []
    return Page(items, total, page, per_page), decorate(items)


def _rows_of(ids: list[int], f: Filters) -> list:
    statement = plain.built(("registry", "rows", f.sort, f.dir), lambda: (
        select(*ROW_COLUMNS, RegistryEntry.reviewed, Department.display.label("department"))
        .join(Department, RegistryEntry.department_id == Department.id)
        .where(RegistryEntry.id.in_(bindparam("ids", expanding=True))).order_by(*_order(f))))
    return plain.rows(statement, {"ids": ids})


def decorate(items: list) -> dict:
    reviews = reviews_of([e.id for e in items])
    return {"reviews": reviews, "reviewed": {e.id: e.reviewed for e in items}}


EXPORT_COLUMNS = (RegistryEntry.id, RegistryEntry.title, RegistryEntry.department_id, RegistryEntry.status,
                  RegistryEntry.doc_number, RegistryEntry.impact_level, RegistryEntry.yes_count, RegistryEntry.year)


def all_rows(viewer: User, f: Filters, batch: int = 5000):
    """Every matching entry as a plain row (the EXPORT_COLUMNS plus ``department``) with its reviews,
    in batches of plain columns (exports of 10,000 rows): yields (row, reviews)."""
    names = {d.id: d.display for d in db.session.scalars(select(Department))}
    rows = db.session.execute(select(*EXPORT_COLUMNS).where(*_conditions(viewer, f)).order_by(*_order(f))).all()
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        reviews = reviews_of([r.id for r in chunk])
        for r in chunk:
            yield r, names.get(r.department_id, ""), reviews.get(r.id, [])


def filter_choices(viewer: User) -> dict:
    """The departments and years the viewer's filters offer (two statements; an index probe per
    department and per year, not a scan of the entries). Departments as (id, display) rows."""
    deps = []
    if viewer.role is not Role.department:  # a department has no department filter
        deps = plain.rows(plain.built(("registry", "departments"), lambda: select(
            Department.id, Department.display.label("display")).where(
            exists(select(RegistryEntry.id).where(RegistryEntry.department_id == Department.id)))
            .order_by(Department.name)))
    statement = plain.built(("registry", "years", viewer.role), lambda: _years_statement(visible_entries(viewer)))
    return {"departments": deps, "years": [r[0] for r in plain.rows(statement, _viewer_values(viewer))]}


def _years_statement(condition):
    """The distinct years by one index probe per year (a recursive query that asks for the next
    year down) instead of a DISTINCT that reads the whole year index: 0.3 ms against 3 ms at
    10,000 entries."""
    e = RegistryEntry
    years = select(select(func.max(e.year)).where(condition).scalar_subquery().label("year")).cte(
        "years", recursive=True)
    below = select(func.max(e.year)).where(condition, e.year < years.c.year).scalar_subquery()
    years = years.union_all(select(below).where(years.c.year.is_not(None)))
    return select(years.c.year).where(years.c.year.is_not(None)).order_by(years.c.year.desc())
