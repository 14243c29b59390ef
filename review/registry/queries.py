"""The registry list: filters, search, sorting and pages, the same for the pages, the API and exports."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Department, User
from ..extensions import db
from ..permissions import visible_entries
from .models import IMPACT_LEVELS, EntryStatus, RegistryEntry
from .operations import reviewed_condition, reviews_of
from .search import matching_ids

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


def entries_query(viewer: User, f: Filters):
    """Entries the viewer may see that match ``f``, in the requested order (id breaks ties)."""
    query = select(RegistryEntry).where(visible_entries(viewer))
    if f.department is not None:
        query = query.where(RegistryEntry.department_id == f.department)
    if f.status:
        query = query.where(RegistryEntry.status == EntryStatus(f.status))
    if f.impact:
        query = query.where(RegistryEntry.impact_level == f.impact)
    if f.year is not None:
        query = query.where(RegistryEntry.year == f.year)
    if f.reviewed:
        query = query.where(reviewed_condition() if f.reviewed == "yes" else ~reviewed_condition())
    if f.q:
        ids = matching_ids(f.q)
        if ids is not None:
            query = query.where(RegistryEntry.id.in_(ids) | RegistryEntry.title.contains(f.q, autoescape=True))
    column = SORTS.get(f.sort, RegistryEntry.updated_at)
    descending = f.dir == "desc"
    tie = RegistryEntry.id.desc() if descending else RegistryEntry.id.asc()
    return query.order_by(column.desc() if descending else column.asc(), tie)


def get_entry(entry_id: int) -> RegistryEntry | None:
    return db.session.scalar(select(RegistryEntry).options(joinedload(RegistryEntry.department))
                             .where(RegistryEntry.id == entry_id))


def entries_page(viewer: User, f: Filters, page: int, per_page: int):
    """(Pagination of entries with their departments, {reviews, reviewed}): four statements whatever
    the data (count, rows, review rounds, reviewed flags)."""
    pagination = db.paginate(entries_query(viewer, f).options(joinedload(RegistryEntry.department)),
                             page=max(page, 1), per_page=per_page, error_out=False, count=True)
    return pagination, decorate(list(pagination.items))


def decorate(items: list[RegistryEntry]) -> dict:
    ids = [e.id for e in items]
    reviews = reviews_of(ids)
    reviewed = set()
    if ids:
        reviewed = set(db.session.scalars(select(RegistryEntry.id).where(RegistryEntry.id.in_(ids),
                                                                         reviewed_condition())))
    return {"reviews": reviews, "reviewed": {i: i in reviewed for i in ids}}


def all_rows(viewer: User, f: Filters, batch: int = 2000):
    """Every matching entry with its reviews, in batches (exports): yields (entry, reviews)."""
    ids = db.session.scalars(entries_query(viewer, f).with_only_columns(RegistryEntry.id)).all()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        by_id = {e.id: e for e in db.session.scalars(
            select(RegistryEntry).options(joinedload(RegistryEntry.department)).where(RegistryEntry.id.in_(chunk)))}
        reviews = reviews_of(chunk)
        for i in chunk:
            yield by_id[i], reviews.get(i, [])


def filter_choices(viewer: User) -> dict:
    """The departments and years the viewer's filters offer (two statements)."""
    deps = db.session.scalars(select(Department).where(
        Department.id.in_(select(RegistryEntry.department_id).where(visible_entries(viewer)).distinct()))
        .order_by(Department.name)).all()
    years = db.session.scalars(select(RegistryEntry.year).where(visible_entries(viewer)).distinct()
                               .order_by(RegistryEntry.year.desc())).all()
    return {"departments": deps, "years": years}
