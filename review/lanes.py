"""Review lanes: the procedure the office chooses at intake from the screening's impact level.

一般程序 (general): a full panel; the default for 重大.
简易程序 (simple): one expert and a shorter deadline; the default for 轻微.
备案确认 (filing): no expert; the office confirms the screening's finding of no significant health
impact with a reason; the default for 无明显健康影响. It ends concluded with a decision that records
that no expert review took place.

The lanes share the one transition table (review/workflow.py): ``accept`` records the lane,
``confirm_filing`` concludes a filing and the guards keep experts out of it.
"""
from __future__ import annotations

from datetime import date

from flask import current_app

from . import validation as v
from .accounts.models import User
from .calendar import add_working_days, app_calendar, local_today
from .extensions import db
from .submissions.models import Conclusion, Lane, Submission
from .submissions.operations import SubmissionError
from .workflow import find, transition

SUGGESTED = {"none": Lane.filing, "minor": Lane.simple, "major": Lane.general}
MAX_REASON = 5000


class LaneError(SubmissionError):
    """A user-facing problem with the lane choice; codes are in review/messages.py."""


def screening_of(sub: Submission) -> dict:
    """What intake shows: the impact level (the office's form when edited) and the reasons of the
    questions answered 是 or 不知道."""
    from .screening.operations import current_form

    version = sub.current_version
    if version is None or not (version.screening or {}).get("questions"):
        return {"level": "", "reasons": []}
    form = current_form(version)
    reasons = [{"id": q["id"], "topic": q["topic"], "answer": q["answer"],
                "texts": [r.get("text") or r.get("citation") or "" for r in q["reasons"]]}
               for q in form["questions"] if q["answer"] != "否"]
    return {"level": form["impact_level"], "reasons": reasons}


def suggested_lane(level: str) -> Lane:
    """The lane the screening suggests; without a screening, the full procedure."""
    return SUGGESTED.get(level, Lane.general)


def parse_lane(raw) -> Lane | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise LaneError("bad_lane", "the lane must be general, simple or filing", "lane")
    try:
        return Lane(raw)
    except ValueError:
        raise LaneError("bad_lane", "the lane must be general, simple or filing", "lane") from None


def accept(actor: User, sub: Submission, lane: Lane | str | None = None, reason: str = "") -> Lane:
    """Accept at intake in a lane; departing from the suggested lane needs the office's reason."""
    level = screening_of(sub)["level"]
    suggested = suggested_lane(level)
    chosen = parse_lane(lane) or suggested  # a Lane is a str: parse_lane takes it as it is
    with v.raising(LaneError):
        reason = v.text(reason, "lane_reason", max_len=MAX_REASON)
    if chosen is not suggested and not reason:
        raise LaneError("lane_reason_required", "give the reason for departing from the suggested lane",
                        "lane_reason")
    transition(sub, "accept", actor, reason=reason, data={
        "lane": chosen.value, "suggested": suggested.value, "impact_level": level or None})
    sub.lane, sub.lane_reason = chosen, reason
    if chosen is Lane.simple:
        sub.panel_size = 1
    return chosen


def default_due(sub: Submission, start: date | None = None) -> date:
    """The experts' deadline: shorter in 简易程序."""
    from .routing.operations import default_due as full_due

    if sub.lane is not Lane.simple:
        return full_due()
    holidays, extra = app_calendar(current_app.config)
    return add_working_days(start or local_today(), int(current_app.config["SIMPLE_DUE_DAYS"]), holidays, extra)


def check_seats(sub: Submission, adding: int, replacing=None) -> None:
    """简易程序 has one expert: a second seat is refused (a replacement takes the same seat)."""
    from .permissions import SEATED
    from .reviews.common import ReviewError

    if sub.lane is Lane.filing:
        raise ReviewError("filing_no_experts", "a submission in 备案确认 has no expert review", "expert_ids")
    if sub.lane is not Lane.simple:
        return
    seated = [a for a in sub.round_assignments() if a.status in SEATED and a is not replacing]
    if len(seated) + adding > 1:
        raise ReviewError("simple_lane_one_expert", "the simplified procedure has one expert only", "expert_ids")


def confirm_filing(actor: User, sub: Submission, reason: str):
    """备案确认: conclude without experts. The decision (审查同意, no panel) and the audit event both
    say that no expert review took place."""
    from .reviews.aggregation import add_decision, lock_undecided_round
    from .reviews.models import Decision

    with v.raising(LaneError):
        reason = v.text(reason, "reason", max_len=MAX_REASON)
    lock_undecided_round(sub)  # two office users confirming at once: the second is refused
    t = find(sub, "confirm_filing")
    if t is None or actor is None or not t.allowed(actor, sub) or not reason:
        transition(sub, "confirm_filing", actor, reason=reason)  # raises the precise refusal
    with db.session.no_autoflush:  # status and conclusion change together (concluded iff a conclusion)
        sub.conclusion = Conclusion.approve
        transition(sub, "confirm_filing", actor, reason=reason, data={
            "lane": Lane.filing.value, "expert_review": False, "conclusion": Conclusion.approve.value})
    decision = add_decision(Decision(submission=sub, round=sub.current_round, conclusion=Conclusion.approve,
                                     proposed=None, reason=reason, dissent=[], decided_by=actor))
    db.session.flush()
    return decision
