"""Follow-up evaluation operations: set at an approving decision, report, accept or ask a new review.

Operations take the actor, check the permission rule, flush and never commit.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy.orm import joinedload

from .. import validation as v
from ..accounts.models import Role, User
from ..audit.operations import record_event
from ..calendar import local_today
from ..extensions import db
from ..notifications.operations import department_users, notify, office_users
from ..permissions import can_report_followup, can_review_followup, visible_followups
from ..reviews.common import ReviewError, now
from ..submissions.models import Conclusion, Status, Submission
from .models import Expected, FollowUp, FollowUpStatus, Indicator

MAX_INDICATORS = 20
MAX_LINE = 500
MAX_TEXT = 5000


class FollowUpError(ReviewError):
    """A user-facing problem; codes are in review/messages.py."""


def followup_of(sub: Submission) -> FollowUp | None:
    """The submission's latest follow-up (one statement)."""
    return db.session.scalar(db.select(FollowUp).where(FollowUp.submission_id == sub.id)
                             .order_by(FollowUp.id.desc()).limit(1))


def may_set(sub: Submission) -> bool:
    """Only a conclusion that allows publication (审查同意) is followed up."""
    return sub.status is Status.concluded and sub.conclusion is Conclusion.approve


def publication_date(sub: Submission) -> date | None:
    """The date the policy was published, once its registry entry records it."""
    entry = sub.registry_entry
    return entry.published_on if entry is not None else None


def _clean_indicators(rows: list[dict]) -> list[tuple[str, str]]:
    clean = []
    for n, row in enumerate(rows, 1):
        with v.raising(FollowUpError):
            text = v.line(row.get("text"), f"indicator-{n}", max_len=MAX_LINE)
            target = v.line(row.get("target"), f"target-{n}", max_len=MAX_LINE)
        if not text and not target:
            continue
        if not text:
            raise FollowUpError("indicator_text_missing", f"indicator {n}: name what is measured", f"indicator-{n}")
        clean.append((text, target))
    if not clean:
        raise FollowUpError("no_indicators", "give at least one monitoring indicator", "indicator-1")
    if len(clean) > MAX_INDICATORS:
        raise FollowUpError("too_many_indicators", f"at most {MAX_INDICATORS} indicators", "indicator-1")
    return clean


def set_followup(actor: User, sub: Submission, indicators: list[dict], due_on: date | None = None) -> FollowUp:
    """Set (or, before any report, change) the follow-up of the approving decision. Without a date it
    is due FOLLOWUP_MONTHS after publication, computed once the registry records the publication."""
    from ..reviews.aggregation import current_decision

    if actor.role is not Role.office:
        raise FollowUpError("forbidden", "only the committee office sets follow-up evaluations")
    decision = current_decision(sub)
    if not may_set(sub) or decision is None:
        raise FollowUpError("followup_not_approved", "only an approved policy is followed up")
    rows = _clean_indicators(indicators)
    if due_on is not None and due_on <= local_today():
        raise FollowUpError("followup_date_past", "the follow-up date must be in the future", "due_on")
    fu = db.session.scalar(db.select(FollowUp).where(FollowUp.decision_id == decision.id))
    if fu is not None and fu.status is not FollowUpStatus.scheduled:
        raise FollowUpError("followup_reported", "the report is in: the follow-up can no longer change")
    if fu is None:
        fu = FollowUp(decision_id=decision.id, submission_id=sub.id, department_id=sub.department_id,
                      created_by_id=actor.id)
        db.session.add(fu)
    fu.indicators = [Indicator(ordinal=n, text=t, target=g) for n, (t, g) in enumerate(rows)]
    months = int(current_app.config["FOLLOWUP_MONTHS"])
    fu.months_after_publication = None if due_on else months
    fu.due_on = due_on
    if due_on is None:
        fu.date_from_publication(publication_date(sub))
    db.session.flush()
    record_event(sub, actor, "set_followup", data={
        "followup": fu.id, "indicators": len(rows), "due_on": fu.due_on.isoformat() if fu.due_on else None,
        "months_after_publication": fu.months_after_publication})
    return fu


def on_publication(sub: Submission, published_on: date) -> None:
    """The registry recorded the publication: a follow-up "N months after publication" of the
    submission gets its date (called by review/registry/operations.record_publication)."""
    for fu in db.session.scalars(db.select(FollowUp).where(
            FollowUp.submission_id == sub.id, FollowUp.months_after_publication.is_not(None),
            FollowUp.status == FollowUpStatus.scheduled)):
        fu.date_from_publication(published_on)


def submit_report(actor: User, fu: FollowUp, results: dict, expected: str, text: str) -> FollowUp:
    """The department's report: each indicator's result, and whether the health effects were as
    expected (yes / partly / no, with an explanation unless yes)."""
    if not can_report_followup(actor, fu):
        raise FollowUpError("forbidden", "only the department that issued the policy reports on it")
    if fu.status is not FollowUpStatus.scheduled:
        raise FollowUpError("followup_reported", "the follow-up report was already submitted")
    try:
        fu.expected = Expected(expected)
    except ValueError:
        raise FollowUpError("followup_expected", "say whether the health effects were as expected", "expected") from None
    with v.raising(FollowUpError):
        fu.report_text = v.text(text, "report_text", max_len=MAX_TEXT)
    if fu.expected is not Expected.yes and not fu.report_text:
        raise FollowUpError("followup_explain", "explain what differed from the expected health effects",
                            "report_text")
    for ind in fu.indicators:
        with v.raising(FollowUpError):
            ind.result = v.text(results.get(str(ind.id)) or results.get(ind.id), f"result-{ind.id}", max_len=MAX_TEXT)
        if not ind.result:
            raise FollowUpError("followup_result_missing", f"give the result of indicator {ind.ordinal + 1}",
                                f"result-{ind.id}")
    fu.status, fu.reported_at, fu.reported_by_id = FollowUpStatus.reported, now(), actor.id
    db.session.flush()
    record_event(fu.submission, actor, "followup_report", data={"followup": fu.id, "expected": fu.expected.value})
    notify(office_users(), "followup.report", submission=fu.submission, url=f"/followups/{fu.id}",
           department=fu.department.name)
    return fu


def _review(actor: User, fu: FollowUp, status: FollowUpStatus, note: str) -> None:
    if not can_review_followup(actor, fu):
        raise FollowUpError("forbidden", "only the committee office reviews follow-up reports")
    if fu.status is not FollowUpStatus.reported:
        raise FollowUpError("followup_not_reported", "there is no follow-up report to answer")
    fu.status, fu.review_note, fu.reviewed_at, fu.reviewed_by_id = status, note, now(), actor.id


def accept_report(actor: User, fu: FollowUp, note: str = "") -> None:
    with v.raising(FollowUpError):
        note = v.text(note, "note", max_len=MAX_TEXT)
    _review(actor, fu, FollowUpStatus.accepted, note)
    record_event(fu.submission, actor, "followup_accept", reason=note, data={"followup": fu.id})
    notify(department_users(fu.submission), "followup.accept", submission=fu.submission, url=f"/followups/{fu.id}")


def request_new_review(actor: User, fu: FollowUp, reason: str) -> None:
    """Ask for a new review of the same policy: the department is sent to submit it, linked to the
    follow-up (and through it to the registry entry)."""
    with v.raising(FollowUpError):
        reason = v.text(reason, "reason", max_len=MAX_TEXT)
    if not reason:
        raise FollowUpError("reason_required", "say why a new review is needed", "reason")
    _review(actor, fu, FollowUpStatus.new_review, reason)
    record_event(fu.submission, actor, "followup_new_review", reason=reason, data={"followup": fu.id})
    notify(department_users(fu.submission), "followup.new_review", submission=fu.submission,
           url=f"/submissions/new?followup={fu.id}", reason=reason)


def followup_for_new_submission(actor: User, followup_id) -> FollowUp | None:
    """The follow-up a department's new submission answers, when it may (else None)."""
    fid = v.as_id(followup_id)
    fu = db.session.get(FollowUp, fid) if fid else None
    if fu is None or not can_report_followup(actor, fu) or fu.status is not FollowUpStatus.new_review \
            or fu.new_submission_id is not None:
        return None
    return fu


def link_new_submission(actor: User, sub: Submission, followup_id) -> None:
    """The new submission answers the follow-up: it joins the same registry entry. Called before its
    draft is recorded, so that the registry does not open a second entry for the same policy."""
    fu = followup_for_new_submission(actor, followup_id)
    if fu is None:
        return
    sub.registry_entry = fu.submission.registry_entry
    db.session.flush()
    fu.new_submission_id = sub.id
    record_event(fu.submission, actor, "followup_resubmit", data={"followup": fu.id, "new_submission": sub.id})


def followup_list(user: User, *, overdue_only: bool = False, limit: int = 20, today: date | None = None):
    """The user's follow-ups (the office: all; a department: its own), due first; one statement."""
    today = today or local_today()
    stmt = (db.select(FollowUp).where(FollowUp.id.in_(visible_followups(user)))
            .options(joinedload(FollowUp.submission), joinedload(FollowUp.department)))
    if overdue_only:
        stmt = stmt.where(FollowUp.status == FollowUpStatus.scheduled, FollowUp.due_on < today)
    return list(db.session.scalars(stmt.order_by(FollowUp.due_on.asc().nulls_last(), FollowUp.id).limit(limit)))


def followups_of(entry_ids: list[int]) -> dict[int, list[dict]]:
    """The follow-up evaluations of registry entries, for the registry's pages and API: {entry_id:
    [{id, submission_id, status, due_on, months_after_publication, expected}]} in one statement."""
    if not entry_ids:
        return {}
    rows = db.session.execute(
        db.select(Submission.registry_entry_id, FollowUp.id, FollowUp.submission_id, FollowUp.status,
                  FollowUp.due_on, FollowUp.months_after_publication, FollowUp.expected)
        .join(Submission, FollowUp.submission_id == Submission.id)
        .where(Submission.registry_entry_id.in_(entry_ids)).order_by(FollowUp.id))
    out: dict[int, list[dict]] = {i: [] for i in entry_ids}
    for r in rows:
        out[r[0]].append({"id": r.id, "submission_id": r.submission_id, "status": r.status.value,
                          "due_on": r.due_on.isoformat() if r.due_on else None,
                          "months_after_publication": r.months_after_publication,
                          "expected": r.expected.value if r.expected else None})
    return out
