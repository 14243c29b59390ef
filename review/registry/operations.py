"""Registry operations: keep entries in step with submissions, record publication and later status,
and count the evaluation rate. Operations take the actor, flush and never commit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, bindparam, case, exists, func, select

from .. import plain, validation as v
from ..accounts.models import Department, User
from ..calendar import local_today
from ..extensions import db
from ..reviews.models import Assignment, AssignmentStatus, Decision
from ..sheets.models import OpinionSheet, SheetStatus
from ..submissions.models import Conclusion, Status, Submission, SubmissionVersion
from .models import HEALTH_RELATED, IMPACT_LEVELS, EntryOrigin, EntryStatus, RegistryEntry, RegistryText
from .search import index_terms

ANSWERS = ("是", "不知道", "否")
MAX_REASONS = 3


class RegistryError(ValueError):
    """A user-facing problem; ``field`` names the form field when there is one."""

    def __init__(self, code: str, message: str, field: str | None = None, **params):
        self.code = code
        self.field = field
        self.params = params
        super().__init__(message)


# -- screening and text ------------------------------------------------------------------------


def screening_snapshot(screening: dict | None) -> dict:
    """{impact_level, yes_count, answers: [{id, topic, answer, reasons: [{citation, text}]}]}."""
    from ..screening.operations import system_level

    screening = screening if isinstance(screening, dict) else {}
    answers = []
    for q in screening.get("questions") or []:
        if not isinstance(q, dict):
            continue
        answer = q.get("answer") if q.get("answer") in ANSWERS else "不知道"
        reasons = [{"citation": str(r.get("citation") or ""), "text": str(r.get("text") or ""),
                    "determinant": str(r.get("determinant") or ""), "outcome": str(r.get("outcome") or "")}
                   for r in (q.get("reasons") or [])[:MAX_REASONS] if isinstance(r, dict)]
        answers.append({"id": str(q.get("id") or ""), "topic": str(q.get("topic") or ""), "answer": answer,
                        "reasons": reasons})
    level = system_level(screening) if answers or screening.get("impact_level") else ""
    return {"impact_level": level if level in IMPACT_LEVELS else "", "answers": answers,
            "yes_count": min(sum(1 for a in answers if a["answer"] == "是"), 10)}


def apply_screening(entry: RegistryEntry, screening: dict | None, level: str | None = None) -> None:
    snap = screening_snapshot(screening)
    entry.answers = snap["answers"]
    entry.yes_count = snap["yes_count"]
    entry.impact_level = level if level in IMPACT_LEVELS else snap["impact_level"]


def set_text(entry: RegistryEntry, title: str, clause_texts: list[str]) -> None:
    terms = index_terms(title, clause_texts)
    if entry.id is not None and "text" not in entry.__dict__:
        entry.text = db.session.get(RegistryText, entry.id)
    if entry.text is None:
        entry.text = RegistryText(terms=terms)
    else:
        entry.text.terms = terms


# -- submissions ---------------------------------------------------------------------------------

# A submission's status as the entry's: with the committee while it is reviewed; back with the
# department once concluded or withdrawn, until it records publication.
_STATUS = {Status.submitted: EntryStatus.under_review, Status.returned: EntryStatus.under_review,
           Status.accepted: EntryStatus.under_review, Status.under_review: EntryStatus.under_review,
           Status.deliberation: EntryStatus.under_review, Status.concluded: EntryStatus.drafting,
           Status.withdrawn: EntryStatus.drafting}
_DRAFT_STATES = (EntryStatus.drafting, EntryStatus.under_review)


def _entry_for(sub: Submission) -> RegistryEntry:
    entry = sub.registry_entry
    if entry is None:
        today = local_today()
        entry = RegistryEntry(origin=EntryOrigin.submission, title=sub.title, department_id=sub.department_id,
                              policy_type=sub.policy_type, drafted_on=today, year=today.year,
                              status=EntryStatus.under_review, created_by_id=sub.created_by_id,
                              answers=[], yes_count=0, impact_level="")
        db.session.add(entry)
        sub.registry_entry = entry
    return entry


def record_parsed(version: SubmissionVersion, parsed: dict) -> RegistryEntry:
    """A draft was read for a round: create the submission's entry or refresh its screening and text."""
    sub = version.submission
    entry = _entry_for(sub)
    entry.title = sub.title
    entry.policy_type = sub.policy_type
    apply_screening(entry, parsed.get("screening"))
    set_text(entry, sub.title, [c.get("text") or "" for c in parsed.get("clauses") or [] if isinstance(c, dict)])
    if entry.status in _DRAFT_STATES:
        entry.status = _STATUS.get(sub.status, entry.status)
    return entry


def sync_submission(sub: Submission) -> None:
    """After a transition: the entry's status, and the office's final screening form when there is one."""
    from ..screening.models import ScreeningForm

    entry = sub.registry_entry
    if entry is None:
        return
    if entry.status in _DRAFT_STATES:
        entry.status = _STATUS.get(sub.status, entry.status)
    version = sub.current_version
    if version is not None and version.id is not None:
        form = db.session.scalar(select(ScreeningForm).where(ScreeningForm.version_id == version.id))
        if form is not None and form.finalised_at is not None:
            apply_screening(entry, {"questions": form.questions}, form.impact_level)


# -- publication and later status ---------------------------------------------------------------


def latest_decision(entry: RegistryEntry) -> Decision | None:
    return db.session.scalar(select(Decision).join(Submission, Decision.submission_id == Submission.id)
                             .where(Submission.registry_entry_id == entry.id)
                             .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1))


def can_publish(entry: RegistryEntry) -> bool:
    """A draft whose last review round was approved may be recorded as published."""
    if entry.status not in _DRAFT_STATES:
        return False
    decision = latest_decision(entry)
    return decision is not None and decision.conclusion is Conclusion.approve


def _date(value, field: str, required: bool = True) -> date | None:
    if isinstance(value, date):
        return value
    raw = (value or "").strip() if isinstance(value, str) else ""
    if not raw:
        if required:
            raise RegistryError("missing_date", f"{field} is required", field)
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RegistryError("bad_date", f"{field} is not a date (YYYY-MM-DD)", field) from None


def record_publication(actor: User, entry: RegistryEntry, doc_number, published_on, effective_on=None) -> None:
    """The department records that the approved draft was issued: 文号 and date; it is then 现行有效."""
    with v.raising(RegistryError):
        doc_number = v.line(doc_number, "doc_number", max_len=100)
    if not doc_number:
        raise RegistryError("missing_doc_number", "the document number (文号) is required", "doc_number")
    published = _date(published_on, "published_on")
    effective = _date(effective_on, "effective_on", required=False) or published
    if published > local_today():
        raise RegistryError("date_in_future", "the publication date is in the future", "published_on")
    if effective < published:
        raise RegistryError("effective_before_published", "the policy cannot take effect before it is published",
                            "effective_on")
    if not can_publish(entry):
        raise RegistryError("not_approved", "only a draft whose review was approved can be recorded as published")
    entry.doc_number = doc_number
    entry.published_on = published
    entry.effective_on = effective
    entry.year = published.year
    entry.status = EntryStatus.in_force
    _audit(entry, actor, "registry_publish", {"doc_number": doc_number, "published_on": published.isoformat()})
    _date_followups(entry, published)
    db.session.flush()


def _date_followups(entry: RegistryEntry, published: date) -> None:
    """Follow-ups set to "N months after publication" get their date (when that feature is installed)."""
    try:
        from ..followups.operations import on_publication
    except ImportError:
        return
    for sub in db.session.scalars(select(Submission).where(Submission.registry_entry_id == entry.id)):
        on_publication(sub, published)


def mark_status(actor: User, entry: RegistryEntry, status: str, on, note: str = "") -> None:
    """An issued policy was revised (已修订) or abolished (已废止) on a date, for a reason."""
    if status not in (EntryStatus.revised.value, EntryStatus.abolished.value):
        raise RegistryError("bad_status", "the status must be revised or abolished", "status")
    day = _date(on, "on")
    with v.raising(RegistryError):
        note = v.text(note, "note", max_len=2000)
    if day > local_today():
        raise RegistryError("date_in_future", "the date is in the future", "on")
    if entry.status not in (EntryStatus.in_force, EntryStatus.revised):
        raise RegistryError("not_in_force", "only a policy in force can be revised or abolished", "status")
    if entry.published_on and day < entry.published_on:
        raise RegistryError("before_publication", "the date is before the policy was published", "on")
    if status == EntryStatus.revised.value:
        entry.revised_on = day
    else:
        entry.abolished_on = day
    entry.status = EntryStatus(status)
    entry.status_note = note
    _audit(entry, actor, f"registry_{status}", {"on": day.isoformat(), "note": note})
    db.session.flush()


def _audit(entry: RegistryEntry, actor: User, action: str, data: dict) -> None:
    """Audit events hang on a submission: the entry's latest one, when it has any."""
    from ..audit.operations import record_event

    sub = db.session.scalar(select(Submission).where(Submission.registry_entry_id == entry.id)
                            .order_by(Submission.id.desc()).limit(1))
    if sub is not None:
        record_event(sub, actor, action, data={"entry_id": entry.id, **data})


# -- evaluation rate -------------------------------------------------------------------------------


def reviewed_entry_ids(among: list[int] | None = None):
    """The ids of entries with an expert review round that reached a decision with a (not revoked)
    sheet: one uncorrelated subquery, computed once per statement (``among``: of these entries only)."""
    query = (select(Submission.registry_entry_id)
            .join(Decision, Decision.submission_id == Submission.id)
            .join(OpinionSheet, OpinionSheet.decision_id == Decision.id)
            .where(Submission.registry_entry_id.is_not(None), OpinionSheet.status != SheetStatus.revoked,
                   exists(select(Assignment.id).where(Assignment.submission_id == Decision.submission_id,
                                                      Assignment.round == Decision.round,
                                                      Assignment.status == AssignmentStatus.submitted))))
    return query if among is None else query.where(Submission.registry_entry_id.in_(among))


def reviewed_condition():
    """True for a reviewed entry (``reviewed_entry_ids``, kept on the entry by registry/models.py)."""
    return RegistryEntry.reviewed.is_(True)


def evaluation_counts(year: int | None = None, department_id: int | None = None) -> list[dict]:
    """Per (department, year): health-related entries (impact minor or major) and how many of them
    were reviewed (``reviewed_condition``). Departments without a health-related entry are left out."""
    health = RegistryEntry.impact_level.in_(HEALTH_RELATED)
    query = (select(RegistryEntry.department_id, Department.full_name, Department.name, RegistryEntry.year,
                    func.count().label("health_related"),
                    func.sum(case((reviewed_condition(), 1), else_=0)).label("reviewed"))
             .join(Department, RegistryEntry.department_id == Department.id)
             .where(health)
             .group_by(RegistryEntry.department_id, Department.full_name, Department.name, RegistryEntry.year)
             .order_by(Department.name, RegistryEntry.year))
    if year is not None:
        query = query.where(RegistryEntry.year == year)
    if department_id is not None:
        query = query.where(RegistryEntry.department_id == department_id)
    return [{"department_id": r.department_id, "department": r.full_name or r.name, "year": r.year,
             "health_related": int(r.health_related), "reviewed": int(r.reviewed or 0)}
            for r in db.session.execute(query)]


def reviews_of(entry_ids: list[int]) -> dict[int, list[dict]]:
    """Every decided round of the entries: {entry_id: [{submission_id, round, conclusion, sheet_serial,
    sheet_id, decided_at}]} in one statement."""
    if not entry_ids:
        return {}
    statement = plain.built(("registry", "reviews_of"), lambda: (
        select(Submission.registry_entry_id, Decision.submission_id, Decision.round, Decision.conclusion,
               Decision.decided_at, OpinionSheet.serial, OpinionSheet.id, Submission.lane)
        .join(Submission, Decision.submission_id == Submission.id)
        .outerjoin(OpinionSheet, and_(OpinionSheet.decision_id == Decision.id))
        .where(Submission.registry_entry_id.in_(bindparam("ids", expanding=True)))
        .order_by(Decision.submission_id, Decision.round)))
    rows = plain.rows(statement, {"ids": list(entry_ids)})
    out: dict[int, list[dict]] = {i: [] for i in entry_ids}
    for r in rows:
        out[r[0]].append({"submission_id": r.submission_id, "round": r.round, "conclusion": r.conclusion.value,
                          "sheet_serial": r.serial, "sheet_id": r.id, "decided_at": r.decided_at,
                          # 审查程序 (review/lanes.py); a round accepted before lanes: 一般程序
                          "lane": r.lane.value if r.lane else "general"})
    return out
