"""Aggregation of the round's opinions and the office's decision."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .. import validation as v
from ..accounts.models import User
from ..audit.records import decision_record
from ..extensions import db
from ..submissions.models import Conclusion, Status, Submission
from ..workflow import TransitionError, transition
from .common import ReviewError, now, require_office
from .models import (
    AssignmentStatus,
    ClauseComment,
    Decision,
    Opinion,
    RevisionResponse,
    Severity,
)

# -- aggregation and decision ----------------------------------------------------------------


def submitted_opinions(sub: Submission, round_: int | None = None) -> list[Opinion]:
    return [a.opinion for a in sub.round_assignments(round_)
            if a.status is AssignmentStatus.submitted and a.opinion is not None]


def peer_opinions(sub: Submission, round_: int, but_assignment_id: int) -> list[Opinion]:
    """The round's other submitted opinions with what the opinion list shows (seat, expert,
    comments and their clauses): one statement, however many peers there are."""
    from sqlalchemy.orm import contains_eager, joinedload

    from .models import Assignment

    query = (db.select(Opinion).join(Opinion.assignment)
             .where(Assignment.submission_id == sub.id, Assignment.round == round_,
                    Assignment.status == AssignmentStatus.submitted, Assignment.id != but_assignment_id)
             .options(contains_eager(Opinion.assignment).joinedload(Assignment.expert),
                      joinedload(Opinion.comments).joinedload(ClauseComment.clause))
             .order_by(Assignment.id))
    return list(db.session.scalars(query).unique())


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


def _decided_elsewhere() -> TransitionError:
    return TransitionError("already_decided", "another office user has already decided this round")


def lock_undecided_round(sub: Submission) -> None:
    """Two office users concluding one round at once (a decision, a 备案确认): the second waits for
    the first's row lock, then sees its decision and is refused, not met by an IntegrityError on the
    round's unique key. ``sub`` is refreshed under the lock."""
    db.session.execute(update(Submission).where(Submission.id == sub.id).values(updated_at=now()))
    db.session.refresh(sub)
    if db.session.scalar(db.select(Decision.id).where(Decision.submission_id == sub.id,
                                                      Decision.round == sub.current_round)) is not None:
        raise _decided_elsewhere()


def add_decision(decision: Decision) -> Decision:
    """Insert the round's decision; a concurrent one that won the unique key is a refusal."""
    db.session.add(decision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise _decided_elsewhere() from None
    return decision


def decide(actor: User, sub: Submission, conclusion: Conclusion | str, reason: str = "") -> Decision:
    """The office's conclusion for the round. Milder than an expert's recommendation needs a reason,
    and the dissent is recorded."""
    require_office(actor)
    with v.raising(ReviewError):
        reason = v.text(reason, "reason", max_len=5000)
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
    lock_undecided_round(sub)
    if sub.status is not Status.deliberation:
        raise TransitionError("invalid_state", f"cannot decide a submission that is {sub.status.value}")
    decision = add_decision(Decision(submission=sub, round=sub.current_round, conclusion=conclusion,
                                     proposed=propose_conclusion(opinions), reason=reason, dissent=dissent,
                                     decided_by=actor))
    sub.conclusion = conclusion
    transition(sub, "decide", actor, reason=reason, data={"conclusion": conclusion.value, "dissent": dissent,
                                                           "decision": decision_record(decision, actor.id)})
    db.session.flush()
    return decision


def current_decision(sub: Submission) -> Decision | None:
    return next((d for d in reversed(sub.decisions) if d.round == sub.current_round), None)


def responses_for_round(sub: Submission, round_: int) -> list[tuple[ClauseComment, object]]:
    """Round n's view of round n-1: each earlier opinion item with the department's response."""

    if round_ < 2:
        return []
    version = next((v for v in sub.versions if v.round == round_), None)
    if version is None:
        return []
    answers = {r.comment_id: r for r in db.session.scalars(
        db.select(RevisionResponse).where(RevisionResponse.version_id == version.id))}
    items = [c for o in submitted_opinions(sub, round_ - 1) for c in o.comments]
    return [(c, answers.get(c.id)) for c in items]
