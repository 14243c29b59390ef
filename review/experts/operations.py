"""Expert profile operations, including the CSV import."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from .. import plain, validation as v
from ..extensions import db
from ..listing import Page, page_count
from .models import Expert

CSV_COLUMNS = ["name", "title", "affiliation", "domains", "expertise"]


class ImportError_(ValueError):
    """The CSV cannot be imported; ``problems`` lists (line number, message)."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {n}: {m}" for n, m in problems))


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def parse_domains(raw: str, valid: set[str]) -> tuple[list[str], list[str]]:
    codes = [c.strip() for c in raw.replace("；", ";").split(";") if c.strip()]
    unknown = [c for c in codes if c not in valid]
    return list(dict.fromkeys(codes)), unknown


def import_experts_csv(data: bytes | str, valid_domains: set[str]) -> ImportReport:
    """Create or update experts from CSV, all or nothing.

    Rows are matched by name, so re-importing the same file changes nothing. Every bad row is
    reported with its line number and nothing is written when any row is bad.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportError_([(1, "the file is neither UTF-8 nor GB18030 text")]) from None
    else:
        text = data
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportError_([(1, f"missing column(s): {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}")])
    reader.fieldnames = header

    problems: list[tuple[int, str]] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append((line, "too many fields (quote values that contain commas)"))
            continue
        try:
            values = {k: (v.text if k == "expertise" else v.line)(row.get(k), k) for k in CSV_COLUMNS}
        except v.TextError as exc:
            problems.append((line, str(exc)))
            continue
        if not any(values.values()):
            continue
        if not values["name"]:
            problems.append((line, "name is empty"))
            continue
        if values["name"] in seen:
            problems.append((line, f"name {values['name']!r} repeats line {seen[values['name']]}"))
            continue
        seen[values["name"]] = line
        codes, unknown = parse_domains(values["domains"], valid_domains)
        if unknown:
            problems.append((line, f"unknown domain code(s): {', '.join(unknown)}"))
            continue
        if not codes:
            problems.append((line, "at least one domain code is required"))
            continue
        for key, limit in (("name", 100), ("title", 100), ("affiliation", 200)):
            if len(values[key]) > limit:
                problems.append((line, f"{key} is longer than {limit} characters"))
        values["domains"] = codes
        rows.append(values)
    if problems:
        raise ImportError_(problems)

    report = ImportReport()
    existing = {e.name: e for e in db.session.scalars(db.select(Expert).where(Expert.name.in_(seen)))}
    for values in rows:
        expert = existing.get(values["name"])
        if expert is None:
            db.session.add(Expert(**values))
            report.created.append(values["name"])
            continue
        changed = False
        for key in ("title", "affiliation", "domains", "expertise"):
            if getattr(expert, key) != values[key]:
                setattr(expert, key, values[key])
                changed = True
        (report.updated if changed else report.unchanged).append(values["name"])
    db.session.flush()
    return report


class ExpertError(ValueError):
    def __init__(self, code: str, message: str, field: str | None = None):
        self.code = code
        self.field = field
        super().__init__(message)


def update_expert(expert: Expert, form: dict, valid_domains: set[str]) -> None:
    """Edit a profile from the admin page; the routing index notices the change by itself."""
    codes, unknown = parse_domains(";".join(form.get("domains", [])) if isinstance(form.get("domains"), list)
                                   else form.get("domains", ""), valid_domains)
    if unknown or not codes:
        raise ExpertError("bad_domains", "choose at least one valid domain", "domains")
    try:
        max_load = int(form.get("max_load", expert.max_load))
    except (TypeError, ValueError):
        raise ExpertError("bad_max_load", "max load must be a whole number", "max_load") from None
    if not 0 <= max_load <= 50:
        raise ExpertError("bad_max_load", "max load must be between 0 and 50", "max_load")
    with v.raising(ExpertError):
        expert.title = v.line(form.get("title"), "title")[:100]
        expert.affiliation = v.line(form.get("affiliation"), "affiliation")[:200]
        expert.expertise = v.text(form.get("expertise"), "expertise")
        expert.email = v.email(form.get("email"))
    expert.domains = codes
    expert.max_load = max_load
    expert.active = bool(form.get("active"))


def add_unavailability(expert: Expert, start, end, note: str = "") -> None:
    from .models import ExpertUnavailability

    if end < start:
        raise ExpertError("bad_period", "the period ends before it starts", "period")
    expert.unavailable.append(ExpertUnavailability(start=start, end=end, note=note.strip()[:200]))


def declare_conflict(expert: Expert, department, reason: str = "") -> None:
    from .models import ExpertConflict

    if any(c.department_id == department.id for c in expert.conflicts):
        return
    expert.conflicts.append(ExpertConflict(department=department, reason=reason.strip()[:300]))


def name_suggestions(q: str, limit: int = 12) -> list[dict]:
    """Active experts whose name, affiliation or expertise holds ``q`` (names that start with it
    first), for the office's "add another expert by name" field: a page asks as the user types
    instead of listing every expert of the committee in each view."""
    q = v.printable(q, multiline=False).strip()[:40]
    if not q:
        return []
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    starts = db.case((Expert.name.like(f"{escaped}%", escape="\\"), 0), else_=1)
    rows = db.session.execute(
        db.select(Expert.name, Expert.affiliation).where(
            Expert.active.is_(True), db.or_(Expert.name.like(like, escape="\\"),
                                            Expert.affiliation.like(like, escape="\\"),
                                            Expert.expertise.like(like, escape="\\")))
        .order_by(starts, Expert.name).limit(limit)).all()
    return [{"name": name, "affiliation": affiliation} for name, affiliation in rows]


# -- the expert list (admin and office) ------------------------------------------------------------

LIST_COLUMNS = (Expert.id, Expert.name, Expert.active, Expert.title, Expert.affiliation, Expert.domains,
                Expert.expertise, Expert.max_load)


def expert_list_page(q: str, domain_codes: list[str], page: int, per_page: int) -> Page:
    """A page of the experts by name as plain rows (LIST_COLUMNS), with ``q`` found in the name,
    affiliation or expertise, or ``domain_codes`` among the domains. A count, the page's keys and
    its rows, each built once per shape (review/plain.py: the number of codes is part of it). A
    page past the end is the last."""
    values: dict = {}
    if q:
        values["like"] = f"%{q}%"
        values.update({f"code{i}": f'%"{code}"%' for i, code in enumerate(domain_codes)})

    def conditions() -> list:
        if not q:
            return []
        like = db.bindparam("like")
        in_domain = [db.cast(Expert.domains, db.String).like(db.bindparam(f"code{i}"))
                     for i in range(len(domain_codes))]
        return [db.or_(Expert.name.like(like), Expert.affiliation.like(like), Expert.expertise.like(like),
                       *in_domain)]

    shape = plain.shape_of(values, "experts")
    total = plain.scalar(plain.built((*shape, "count"), lambda: db.select(db.func.count()).select_from(Expert)
                                     .where(*conditions())), values)
    page = min(max(page, 1), page_count(total, per_page))
    rows = plain.rows(plain.built((*shape, "rows"), lambda: db.select(*LIST_COLUMNS).where(*conditions())
                                  .order_by(Expert.name).limit(db.bindparam("limit"))
                                  .offset(db.bindparam("offset"))),
                      {**values, "limit": per_page, "offset": (page - 1) * per_page})
    return Page(rows, total, page, per_page)
