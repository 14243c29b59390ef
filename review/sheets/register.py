"""The justice bureau's side: legality-review intake and the register of sheets."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit.operations import record_event
from ..calendar import local_today
from ..extensions import db
from ..reviews.models import Decision
from ..submissions.models import Conclusion, Submission
from .models import LegalityIntake, OpinionSheet, SheetStatus

INTAKE_OUTCOMES = ("accepted", "returned", "pending")


def record_intake(actor: User, sheet: OpinionSheet, received_on: date, outcome: str, note: str = "",
                  draft_matches: bool | None = None) -> LegalityIntake:
    """The justice bureau records that a draft entered (or was refused) legality review."""
    from .operations import MAX_TEXT, SheetError, can_record_intake

    if not can_record_intake(actor):
        raise SheetError("forbidden", "only the justice bureau records legality-review intake")
    if outcome not in INTAKE_OUTCOMES:
        raise SheetError("bad_outcome", f"outcome must be one of {', '.join(INTAKE_OUTCOMES)}", "outcome")
    if outcome == "accepted" and (sheet.status is not SheetStatus.valid or not sheet.facts.get("legality_allowed")):
        raise SheetError("not_admissible", f"{sheet.serial} does not allow legality review", "outcome")
    if received_on > local_today():
        raise SheetError("future_date", "the received date is in the future", "received_on")
    intake = LegalityIntake(sheet=sheet, received_on=received_on, outcome=outcome, note=(note or "").strip()[:MAX_TEXT],
                            draft_matches=draft_matches, recorded_by_id=actor.id)
    db.session.add(intake)
    record_event(sheet.submission, actor, "legality_intake", data={"serial": sheet.serial, "outcome": outcome})
    db.session.flush()
    return intake


def register_query(status: str = "", conclusion: str = "", department: str = "", year: int | None = None,
                   q: str = ""):
    """The register of sheets, newest first, filtered."""
    from ..accounts.models import Department

    # Joined to the submission only for the filters that read it: the page's count then runs on
    # the sheet table alone (8.5 ms against 0.3 ms at 5,000 sheets on SQLite).
    query = select(OpinionSheet)
    if department or q:
        query = query.join(Submission, OpinionSheet.submission_id == Submission.id)
    if status in {s.value for s in SheetStatus}:
        query = query.where(OpinionSheet.status == SheetStatus(status))
    if conclusion in {c.value for c in Conclusion}:
        query = query.join(Decision, OpinionSheet.decision_id == Decision.id).where(
            Decision.conclusion == Conclusion(conclusion))
    if department:
        query = query.join(Department, Submission.department_id == Department.id).where(
            (Department.name == department) | (Department.full_name == department))
    if year:
        query = query.where(OpinionSheet.year == year)
    if q:
        like = f"%{q}%"
        query = query.where(OpinionSheet.serial.like(like) | Submission.title.like(like))
    return query.options(selectinload(OpinionSheet.intakes)).order_by(OpinionSheet.year.desc(), OpinionSheet.seq.desc())


def register_departments() -> list[str]:
    from ..accounts.models import Department

    # EXISTS per department (a few dozen) stops at its first sheet; a join would read every sheet.
    has_sheet = select(OpinionSheet.id).join(Submission, OpinionSheet.submission_id == Submission.id) \
        .where(Submission.department_id == Department.id).exists()
    return list(db.session.scalars(select(Department.name).where(has_sheet).distinct().order_by(Department.name)))


def register_years() -> list[int]:
    return list(db.session.scalars(select(OpinionSheet.year).distinct().order_by(OpinionSheet.year.desc())))
