"""Review operations: panels, invitations, opinions, reminders, replacement, decisions.

Every function takes the acting user, checks role and ownership, changes the data, flushes and
never commits. Submission state changes go through ``review.workflow.transition``.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import update

from .. import validation as v
from ..accounts.models import User
from ..audit.operations import record_event
from ..calendar import local_today
from ..experts.models import Expert, ExpertConflict
from ..extensions import db
from ..notifications.operations import notify, office_users
from ..submissions.models import Conclusion, Status, Submission
from ..lanes import check_seats
from ..workflow import TransitionError, transition

# Aggregation, decisions and reminders live in their own modules; they are part of this API.
from .aggregation import (  # noqa: E402,F401
    agreement,
    clause_view,
    current_decision,
    decide,
    peer_opinions,
    propose_conclusion,
    responses_for_round,
    submitted_opinions,
)
from .common import (  # noqa: F401
    QUESTION_IDS,
    SCREENING_ANSWERS,
    ReviewError,
    now,
    require_office,
    require_own,
)
from .models import (
    Assignment,
    AssignmentStatus,
    ClauseComment,
    Opinion,
    OpinionStatus,
    Severity,
)
from .reminders import due_reminders, send_reminder  # noqa: E402,F401


def _lock_submission(sub: Submission) -> None:
    """Take the submission's row lock first, so concurrent opinions serialise on it."""
    db.session.execute(update(Submission).where(Submission.id == sub.id).values(updated_at=now()))


# -- panel -----------------------------------------------------------------------------------


def assign_experts(actor: User, sub: Submission, expert_ids: list[int], due: date,
                   proposal=None, replacing: Assignment | None = None) -> list[Assignment]:
    """Invite experts for the current round; starts the review when the submission was accepted.

    Conflicts of interest, load and availability are checked again here, whatever the page sent.
    """
    from ..routing.operations import excluded_reasons, propose_for_submission

    require_office(actor)
    if sub.status not in (Status.accepted, Status.under_review):
        raise TransitionError("invalid_state", f"cannot assign experts to a {sub.status.value} submission")
    ids = list(dict.fromkeys(v.as_id(i) for i in expert_ids))
    if None in ids:
        raise ReviewError("unknown_expert", "expert ids must be positive whole numbers", "expert_ids")
    if not ids:
        raise ReviewError("no_experts", "choose at least one expert", "expert_ids")
    check_seats(sub, len(ids), replacing)
    if due < local_today():
        raise ReviewError("due_in_past", "the deadline is in the past", "due")
    seated = {a.expert_id for a in sub.round_assignments() if a.status not in
              (AssignmentStatus.replaced, AssignmentStatus.cancelled)}
    proposal = proposal or propose_for_submission(sub, due=due)
    excluded = excluded_reasons(proposal)
    reasons = {m.expert.id: m for m in list(proposal.panel) + list(proposal.alternates)}
    experts = {e.id: e for e in db.session.scalars(db.select(Expert).where(Expert.id.in_(ids)))}
    created = []
    for expert_id in ids:
        expert = experts.get(expert_id)
        if expert is None:
            raise ReviewError("unknown_expert", f"no expert {expert_id}", "expert_ids")
        if expert_id in seated:
            raise ReviewError("already_assigned", f"{expert.name} is already on this panel", "expert_ids")
        if expert_id in excluded:
            raise ReviewError("expert_excluded", f"{expert.name} cannot review this draft: "
                              f"{', '.join(excluded[expert_id])}", "expert_ids")
        member = reasons.get(expert_id)
        assignment = Assignment(
            submission=sub, round=sub.current_round, expert=expert, due=due, invited_by_id=actor.id,
            status=AssignmentStatus.invited, score=member.match.score if member else None,
            reasons=member.match.reasons.to_dict() if member else None,
        )
        db.session.add(assignment)
        created.append(assignment)
    sub.review_due = due
    db.session.flush()
    if sub.status is Status.accepted:
        transition(sub, "start_review", actor, data={"experts": ids, "due": due.isoformat()})
    else:
        record_event(sub, actor, "add_experts", data={"experts": ids, "due": due.isoformat()})
    for a in created:
        _invite_mail(a)
    return created


def _invite_mail(a: Assignment) -> None:
    notify([a.expert.user], "assignment.invite", submission=a.submission,
           url=f"/reviews/{a.id}", due=a.due.isoformat() if a.due else "-")


def respond(actor: User, a: Assignment, answer: str, reason: str = "") -> None:
    """The expert accepts, declines (with a reason) or declares a conflict of interest."""
    require_own(actor, a)
    sub = a.submission
    if sub.status is not Status.under_review or a.round != sub.current_round:
        raise TransitionError("invalid_state", "this review is no longer open")
    allowed = {"accept": {AssignmentStatus.invited},
               "decline": {AssignmentStatus.invited, AssignmentStatus.accepted},
               "conflict": {AssignmentStatus.invited, AssignmentStatus.accepted}}
    if answer not in allowed:
        raise ReviewError("bad_answer", f"unknown answer {answer!r}")
    if a.status not in allowed[answer]:
        raise TransitionError("invalid_state", f"cannot {answer} an invitation that is {a.status.value}")
    with v.raising(ReviewError):
        reason = v.text(reason, "reason", max_len=5000)
    if answer != "accept" and not reason:
        raise ReviewError("reason_required", "give a reason", "reason")
    a.status = {"accept": AssignmentStatus.accepted, "decline": AssignmentStatus.declined,
                "conflict": AssignmentStatus.conflict}[answer]
    a.responded_at = now()
    a.decline_reason = reason.strip()
    if answer == "conflict":
        exists = db.session.scalar(db.select(ExpertConflict).where(
            ExpertConflict.expert_id == a.expert_id, ExpertConflict.department_id == sub.department_id))
        if exists is None:
            db.session.add(ExpertConflict(expert_id=a.expert_id, department_id=sub.department_id,
                                          reason=reason.strip()[:300]))
    record_event(sub, actor, f"invitation_{answer}", reason=reason, data={"assignment": a.id})
    notify(office_users(), f"assignment.{answer}", submission=sub, url=f"/office/submissions/{sub.id}",
           expert=a.expert.name, reason=reason or "-")
    if answer != "accept":
        # The last open seat declining ends the round when opinions are in; otherwise the office
        # replaces the expert (the notification above says so) or closes the review.
        _maybe_complete(sub)


def reopen_invitation(actor: User, a: Assignment) -> None:
    """The office invites a declined expert again (they changed their mind)."""
    require_office(actor)
    if a.status is not AssignmentStatus.declined or a.submission.status is not Status.under_review:
        raise TransitionError("invalid_state", "only a declined invitation of an open review can be reopened")
    a.status = AssignmentStatus.invited
    a.responded_at = None
    record_event(a.submission, actor, "invitation_reopen", data={"assignment": a.id})
    _invite_mail(a)


def replace_expert(actor: User, a: Assignment, expert_id: int) -> Assignment:
    """Replace an overdue, declined or conflicted expert, typically by the seat's next alternate."""
    require_office(actor)
    sub = a.submission
    if a.status is AssignmentStatus.submitted or a.status is AssignmentStatus.replaced:
        raise TransitionError("invalid_state", "this seat cannot be replaced")
    was_open = a.status.is_open
    [new] = assign_experts(actor, sub, [expert_id], a.due or local_today(), replacing=a)
    if was_open:
        notify([a.expert.user], "assignment.cancel", submission=sub, url="/expert")
    a.status = AssignmentStatus.replaced
    a.replaced_by_id = new.id
    record_event(sub, actor, "replace_expert", data={"old": a.expert_id, "new": expert_id})
    return new


def close_review(actor: User, sub: Submission, reason: str) -> None:
    with v.raising(ReviewError):
        reason = v.text(reason, "reason", max_len=5000)
    open_ones = [a for a in sub.round_assignments() if a.status.is_open]
    transition(sub, "close_review", actor, reason=reason)
    for a in open_ones:
        a.status = AssignmentStatus.cancelled


def reopen_review(actor: User, sub: Submission, reason: str) -> None:
    with v.raising(ReviewError):
        reason = v.text(reason, "reason", max_len=5000)
    transition(sub, "reopen_review", actor, reason=reason)


# -- opinions --------------------------------------------------------------------------------


def _clean_comments(sub: Submission, a: Assignment, comments: list[dict]) -> list[ClauseComment]:
    clauses = {c.key: c for c in sub.current_version.clauses} if sub.current_version else {}
    by_id = {c.id: c for c in clauses.values()}
    if not isinstance(comments, list):
        raise ReviewError("bad_comments", "comments must be a list", "comments")
    out = []
    for n, item in enumerate(comments, 1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k) or "", str)
                                                 for k in ("text", "suggestion", "determinant", "severity")):
            raise ReviewError("bad_comments", f"comment {n}: give text, suggestion and severity as strings", "comments")
        with v.raising(ReviewError):
            text = v.text(item.get("text"), "text", max_len=20000)
            suggestion = v.text(item.get("suggestion"), "suggestion", max_len=20000)
            determinant = v.line(item.get("determinant"), "determinant")[:100]
        if not text and not suggestion:
            continue
        ref = item.get("clause")
        clause = None
        if ref not in (None, "", "general"):
            clause = clauses.get(str(ref)) or by_id.get(v.as_id(ref))
            if clause is None:
                raise ReviewError("unknown_clause", f"comment {n}: no clause {ref!r} in this draft", "comments")
        try:
            severity = Severity(item.get("severity") or "medium")
        except ValueError:
            raise ReviewError("bad_severity", f"comment {n}: severity must be low, medium or high", "comments") from None
        out.append(ClauseComment(clause=clause, text=text or suggestion, suggestion=suggestion,
                                 determinant=determinant, severity=severity))
    return out


def _open_opinion(actor: User, a: Assignment) -> Opinion:
    """The expert's opinion of an open seat, created on first use; writing accepts the invitation."""
    require_own(actor, a)
    sub = a.submission
    if sub.status is not Status.under_review or a.round != sub.current_round:
        raise TransitionError("invalid_state", "this review is closed")
    if a.status is AssignmentStatus.invited:
        a.status = AssignmentStatus.accepted
        a.responded_at = now()
    if a.status is not AssignmentStatus.accepted:
        raise TransitionError("invalid_state", "this opinion is already submitted or the seat is closed")
    opinion = a.opinion
    if opinion is None:
        opinion = Opinion(screening={})
        db.session.add(opinion)
        a.opinion = opinion
    return opinion


def save_comment(actor: User, a: Assignment, clause_ref, item: dict) -> ClauseComment | None:
    """Write, change or (with empty text and suggestion) remove the expert's comment on one clause
    (or the general comment when ``clause_ref`` is None). The rest of the opinion is untouched."""
    opinion = _open_opinion(actor, a)
    [clean] = _clean_comments(a.submission, a, [{**item, "clause": clause_ref, "text": item.get("text") or "",
                                                 "suggestion": item.get("suggestion") or ""}]) or [None]
    target_id = None
    if clause_ref not in (None, "", "general"):
        clauses = {c.key: c for c in a.submission.current_version.clauses}
        clause = clauses.get(str(clause_ref)) or next(
            (c for c in clauses.values() if c.id == v.as_id(clause_ref)), None)
        if clause is None:
            raise ReviewError("unknown_clause", f"no clause {clause_ref!r} in this draft", "clause")
        target_id = clause.id
    existing = next((c for c in opinion.comments if c.clause_id == target_id), None)
    if clean is None:
        if existing is not None:
            opinion.comments.remove(existing)
        db.session.flush()
        return None
    if existing is None:
        opinion.comments.append(clean)
        existing = clean
    else:
        existing.text, existing.suggestion = clean.text, clean.suggestion
        existing.determinant, existing.severity = clean.determinant, clean.severity
    db.session.flush()
    return existing


def save_opinion(actor: User, a: Assignment, data: dict, *, submit: bool = False) -> Opinion:
    """Save the expert's opinion as a draft, or submit and lock it."""
    require_own(actor, a)
    sub = a.submission
    if submit:
        # Take the submission's row lock first, so that concurrent submissions serialise and
        # exactly one of them sees the round complete.
        _lock_submission(sub)
        db.session.refresh(a)
    opinion = _open_opinion(actor, a)
    rec = data.get("recommendation")
    if rec:
        try:
            opinion.recommendation = Conclusion(rec)
        except ValueError:
            raise ReviewError("bad_recommendation", "recommendation must be approve, modify, redraft or reject",
                              "recommendation") from None
    if "summary" in data:
        with v.raising(ReviewError):
            opinion.summary = v.text(data.get("summary"), "summary", max_len=50000)
    answers = data.get("screening") or {}
    if not isinstance(answers, dict):
        raise ReviewError("bad_screening", "screening must map Q1..Q10 to 是/不知道/否", "screening")
    bad = {q: v for q, v in answers.items() if q not in QUESTION_IDS or v not in SCREENING_ANSWERS}
    if bad:
        raise ReviewError("bad_screening", f"screening answers must be 是/不知道/否 for Q1..Q10: {bad}", "screening")
    if answers:
        opinion.screening = {**(opinion.screening or {}), **answers}
    if "comments" in data:
        opinion.comments = _clean_comments(sub, a, data.get("comments") or [])
    if data.get("checks"):
        from .followup import save_checks

        save_checks(opinion, sub, a.round, data["checks"])
    if submit:
        if opinion.recommendation is None:
            raise ReviewError("recommendation_required", "choose an overall recommendation", "recommendation")
        if not opinion.summary:
            raise ReviewError("summary_required", "write a summary", "summary")
        opinion.status = OpinionStatus.submitted
        opinion.submitted_at = now()
        a.status = AssignmentStatus.submitted
    db.session.add(opinion)
    db.session.flush()
    if submit:
        record_event(sub, actor, "submit_opinion", data={"assignment": a.id,
                                                         "recommendation": opinion.recommendation.value})
        notify(office_users(), "assignment.submit", submission=sub, url=f"/office/submissions/{sub.id}",
               expert=a.expert.name)
        _maybe_complete(sub)
    return opinion


def _maybe_complete(sub: Submission) -> None:
    """Enter deliberation when no seat of the round is open and at least one opinion is in."""
    seats = sub.round_assignments()
    if sub.status is Status.under_review and seats and not any(a.status.is_open for a in seats) \
            and any(a.status is AssignmentStatus.submitted for a in seats):
        transition(sub, "opinions_complete", None)


def reinvite_panel(sub: Submission, previous_round: int, due: date, actor: User) -> list[Assignment]:
    """Round n+1 re-invites the experts who gave an opinion in round n, unless they can no longer
    sit (conflict, load, availability); the office completes the panel if needed."""
    from ..routing.operations import excluded_reasons, propose_for_submission

    previous = [a for a in sub.round_assignments(previous_round) if a.status is AssignmentStatus.submitted]
    if not previous:
        return []
    excluded = excluded_reasons(propose_for_submission(sub, due=due))
    created = []
    for old in previous:
        if old.expert_id in excluded:
            record_event(sub, actor, "reinvite_skipped", data={"expert": old.expert.name,
                                                             "why": excluded[old.expert_id]})
            continue
        a = Assignment(submission=sub, round=sub.current_round, expert_id=old.expert_id, due=due,
                       status=AssignmentStatus.invited, reasons=old.reasons, score=old.score)
        db.session.add(a)
        created.append(a)
    sub.review_due = due
    db.session.flush()
    for a in created:
        _invite_mail(a)
    return created


