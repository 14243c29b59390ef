"""Review operations: panels, invitations, opinions, reminders, replacement, decisions.

Every function takes the acting user, checks role and ownership, changes the data, flushes and
never commits. Submission state changes go through ``review.workflow.transition``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Role, User
from ..audit.operations import record_event
from ..experts.models import Expert, ExpertConflict
from ..extensions import db
from ..notifications.operations import notify, office_users
from ..submissions.models import Clause, Conclusion, Status, Submission
from ..workflow import TransitionError, transition
from .models import Assignment, AssignmentStatus, ClauseComment, Decision, Opinion, OpinionStatus, Severity

SCREENING_ANSWERS = ("是", "不知道", "否")
QUESTION_IDS = tuple(f"Q{n}" for n in range(1, 11))


class ReviewError(ValueError):
    def __init__(self, code: str, message: str, field: str | None = None):
        self.code = code
        self.field = field
        super().__init__(message)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _require_office(actor: User) -> None:
    if actor.role is not Role.office:
        raise TransitionError("forbidden", "only the committee office may do this")


def _require_own(actor: User, assignment: Assignment) -> None:
    if actor.role is not Role.expert or actor.expert_id != assignment.expert_id:
        raise TransitionError("forbidden", "this invitation belongs to another expert")


def _lock_submission(sub: Submission) -> None:
    """Take the submission's row lock first, so concurrent opinions serialise on it."""
    db.session.execute(update(Submission).where(Submission.id == sub.id).values(updated_at=_now()))


# -- panel -----------------------------------------------------------------------------------


def assign_experts(actor: User, sub: Submission, expert_ids: list[int], due: date,
                   proposal=None) -> list[Assignment]:
    """Invite experts for the current round; starts the review when the submission was accepted.

    Conflicts of interest, load and availability are checked again here, whatever the page sent.
    """
    from ..routing.operations import excluded_reasons, propose_for_submission

    _require_office(actor)
    if sub.status not in (Status.accepted, Status.under_review):
        raise TransitionError("invalid_state", f"cannot assign experts to a {sub.status.value} submission")
    ids = list(dict.fromkeys(_as_id(i) for i in expert_ids))
    if None in ids:
        raise ReviewError("unknown_expert", "expert ids must be positive whole numbers", "expert_ids")
    if not ids:
        raise ReviewError("no_experts", "choose at least one expert", "expert_ids")
    if due < date.today():
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
    _require_own(actor, a)
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
    if answer != "accept" and not reason.strip():
        raise ReviewError("reason_required", "give a reason", "reason")
    a.status = {"accept": AssignmentStatus.accepted, "decline": AssignmentStatus.declined,
                "conflict": AssignmentStatus.conflict}[answer]
    a.responded_at = _now()
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
    # A declined seat does not end the review by itself: the office replaces the expert or closes it.


def reopen_invitation(actor: User, a: Assignment) -> None:
    """The office invites a declined expert again (they changed their mind)."""
    _require_office(actor)
    if a.status is not AssignmentStatus.declined or a.submission.status is not Status.under_review:
        raise TransitionError("invalid_state", "only a declined invitation of an open review can be reopened")
    a.status = AssignmentStatus.invited
    a.responded_at = None
    record_event(a.submission, actor, "invitation_reopen", data={"assignment": a.id})
    _invite_mail(a)


def replace_expert(actor: User, a: Assignment, expert_id: int) -> Assignment:
    """Replace an overdue, declined or conflicted expert, typically by the seat's next alternate."""
    _require_office(actor)
    sub = a.submission
    if a.status is AssignmentStatus.submitted or a.status is AssignmentStatus.replaced:
        raise TransitionError("invalid_state", "this seat cannot be replaced")
    was_open = a.status.is_open
    [new] = assign_experts(actor, sub, [expert_id], a.due or date.today())
    if was_open:
        notify([a.expert.user], "assignment.cancel", submission=sub, url="/expert")
    a.status = AssignmentStatus.replaced
    a.replaced_by_id = new.id
    record_event(sub, actor, "replace_expert", data={"old": a.expert_id, "new": expert_id})
    return new


def send_reminder(actor: User | None, a: Assignment, kind: str = "manual", today: date | None = None) -> bool:
    """Remind an expert. Automatic kinds go out at most once a day; manual ones whenever asked."""
    from .models import ReminderLog

    if actor is not None:
        _require_office(actor)
    if not a.status.is_open:
        raise TransitionError("invalid_state", "the expert has no open review here")
    today = today or date.today()
    if kind != "manual":
        # Automatic reminders: the unique key (assignment, kind, day) makes "never twice a day" hold
        # even when two cron runs overlap.
        try:
            with db.session.begin_nested():
                db.session.add(ReminderLog(assignment_id=a.id, kind=kind, day=today))
        except IntegrityError:
            return False
    notify([a.expert.user], f"reminder.{kind}", submission=a.submission, url=f"/reviews/{a.id}",
           due=a.due.isoformat() if a.due else "-")
    record_event(a.submission, actor, f"remind_{kind}", data={"assignment": a.id, "expert": a.expert.name})
    return True


def close_review(actor: User, sub: Submission, reason: str) -> None:
    open_ones = [a for a in sub.round_assignments() if a.status.is_open]
    transition(sub, "close_review", actor, reason=reason)
    for a in open_ones:
        a.status = AssignmentStatus.cancelled


def reopen_review(actor: User, sub: Submission, reason: str) -> None:
    transition(sub, "reopen_review", actor, reason=reason)


# -- opinions --------------------------------------------------------------------------------


def _as_id(value) -> int | None:
    """A database id from user input, or None (never an exception, never an overflow)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


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
        text = (item.get("text") or "").strip()
        suggestion = (item.get("suggestion") or "").strip()
        if not text and not suggestion:
            continue
        ref = item.get("clause")
        clause = None
        if ref not in (None, "", "general"):
            clause = clauses.get(str(ref)) or by_id.get(_as_id(ref))
            if clause is None:
                raise ReviewError("unknown_clause", f"comment {n}: no clause {ref!r} in this draft", "comments")
        try:
            severity = Severity(item.get("severity") or "medium")
        except ValueError:
            raise ReviewError("bad_severity", f"comment {n}: severity must be low, medium or high", "comments") from None
        out.append(ClauseComment(clause=clause, text=text or suggestion, suggestion=suggestion,
                                 determinant=(item.get("determinant") or "").strip()[:100], severity=severity))
    return out


def save_opinion(actor: User, a: Assignment, data: dict, *, submit: bool = False) -> Opinion:
    """Save the expert's opinion as a draft, or submit and lock it."""
    _require_own(actor, a)
    sub = a.submission
    if sub.status is not Status.under_review or a.round != sub.current_round:
        raise TransitionError("invalid_state", "this review is closed")
    if a.status is AssignmentStatus.invited:
        a.status = AssignmentStatus.accepted  # writing an opinion accepts the invitation
        a.responded_at = _now()
    if a.status is not AssignmentStatus.accepted:
        raise TransitionError("invalid_state", "this opinion is already submitted or the seat is closed")
    if submit:
        _lock_submission(sub)
        db.session.refresh(a)
        if a.status is not AssignmentStatus.accepted:
            raise TransitionError("invalid_state", "this opinion is already submitted")
    opinion = a.opinion
    if opinion is None:
        opinion = Opinion(screening={})
        db.session.add(opinion)
        a.opinion = opinion
    rec = data.get("recommendation")
    if rec:
        try:
            opinion.recommendation = Conclusion(rec)
        except ValueError:
            raise ReviewError("bad_recommendation", "recommendation must be approve, modify, redraft or reject",
                              "recommendation") from None
    if "summary" in data:
        opinion.summary = (data.get("summary") or "").strip()
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
    if submit:
        if opinion.recommendation is None:
            raise ReviewError("recommendation_required", "choose an overall recommendation", "recommendation")
        if not opinion.summary:
            raise ReviewError("summary_required", "write a summary", "summary")
        opinion.status = OpinionStatus.submitted
        opinion.submitted_at = _now()
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


# -- aggregation and decision ----------------------------------------------------------------


def submitted_opinions(sub: Submission, round_: int | None = None) -> list[Opinion]:
    return [a.opinion for a in sub.round_assignments(round_)
            if a.status is AssignmentStatus.submitted and a.opinion is not None]


def propose_conclusion(opinions: list[Opinion]) -> Conclusion | None:
    """The documented rule (docs/workflow.md): the median recommendation, the stricter one on a tie;
    a high-severity comment raises an approval to 修改."""
    recs = sorted((o.recommendation for o in opinions if o.recommendation), key=lambda c: c.severity)
    if not recs:
        return None
    proposed = recs[len(recs) // 2]
    if proposed is Conclusion.approve and any(c.severity is Severity.high for o in opinions for c in o.comments):
        proposed = Conclusion.modify
    return proposed


def agreement(opinions: list[Opinion]) -> str:
    recs = {o.recommendation for o in opinions if o.recommendation}
    if not recs:
        return "none"
    if recs == {Conclusion.approve}:
        return "all_approve"
    if len(recs) == 1:
        return "unanimous"
    spread = max(r.severity for r in recs) - min(r.severity for r in recs)
    return "conflicting" if Conclusion.approve in recs or spread >= 2 else "mostly_agree"


def clause_view(sub: Submission, round_: int | None = None) -> list[dict]:
    """Every clause of the round's draft with the comments on it, side by side."""
    round_ = round_ or sub.current_round
    version = next(v for v in sub.versions if v.round == round_)
    opinions = submitted_opinions(sub, round_)
    by_clause: dict[int | None, list[tuple[Opinion, ClauseComment]]] = {}
    for o in opinions:
        for c in o.comments:
            by_clause.setdefault(c.clause_id, []).append((o, c))
    rows = [{"clause": None, "comments": by_clause.get(None, [])}] if by_clause.get(None) else []
    rows += [{"clause": cl, "comments": by_clause.get(cl.id, [])} for cl in version.clauses]
    return rows


def decide(actor: User, sub: Submission, conclusion: Conclusion | str, reason: str = "") -> Decision:
    """The office's conclusion for the round. Milder than an expert's recommendation needs a reason,
    and the dissent is recorded."""
    _require_office(actor)
    try:
        conclusion = Conclusion(conclusion)
    except ValueError:
        raise ReviewError("bad_conclusion", "conclusion must be approve, modify, redraft or reject",
                          "conclusion") from None
    opinions = submitted_opinions(sub)
    dissent = [
        {"expert_id": o.assignment.expert_id, "name": o.assignment.expert.name,
         "recommendation": o.recommendation.value}
        for o in opinions if o.recommendation and o.recommendation.severity > conclusion.severity
    ]
    if dissent and not reason.strip():
        raise ReviewError("reason_required", "the decision is milder than an expert's recommendation: "
                          "give the reason", "reason")
    if sub.status is not Status.deliberation:
        raise TransitionError("invalid_state", f"cannot decide a submission that is {sub.status.value}")
    decision = Decision(submission=sub, round=sub.current_round, conclusion=conclusion,
                        proposed=propose_conclusion(opinions), reason=reason.strip(), dissent=dissent,
                        decided_by=actor)
    db.session.add(decision)
    sub.conclusion = conclusion
    transition(sub, "decide", actor, reason=reason, data={"conclusion": conclusion.value, "dissent": dissent})
    db.session.flush()
    return decision


def current_decision(sub: Submission) -> Decision | None:
    return next((d for d in reversed(sub.decisions) if d.round == sub.current_round), None)


def due_reminders(today: date | None = None) -> int:
    """Send the automatic reminders of the day: N working days before the deadline, and overdue."""
    from ..calendar import app_calendar, working_days_between

    today = today or date.today()
    holidays, extra = app_calendar(current_app.config)
    before = int(current_app.config["REMIND_DAYS_BEFORE"])
    sent = 0
    open_states = [s for s in AssignmentStatus if s.is_open]
    for a in db.session.scalars(db.select(Assignment).where(Assignment.status.in_(open_states),
                                                            Assignment.due.is_not(None))):
        if a.submission.status is not Status.under_review:
            continue
        left = working_days_between(today, a.due, holidays, extra)
        kind = "overdue" if today > a.due else ("before_due" if left <= before else None)
        if kind and send_reminder(None, a, kind, today):
            sent += 1
    return sent


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


def responses_for_round(sub: Submission, round_: int) -> list[tuple[ClauseComment, object]]:
    """Round n's view of round n-1: each earlier opinion item with the department's response."""
    from .models import RevisionResponse

    if round_ < 2:
        return []
    version = next((v for v in sub.versions if v.round == round_), None)
    if version is None:
        return []
    answers = {r.comment_id: r for r in db.session.scalars(
        db.select(RevisionResponse).where(RevisionResponse.version_id == version.id))}
    items = [c for o in submitted_opinions(sub, round_ - 1) for c in o.comments]
    return [(c, answers.get(c.id)) for c in items]
