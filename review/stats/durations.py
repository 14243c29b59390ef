"""Working-day figures: how long each stage of a review round took, and the experts' timeliness.

A round's stages, from the audit trail and the rows the workflow writes:
- intake: the submission's arrival to the office's first ``accept`` (round 1 only);
- expert review: ``start_review`` (round 1) or the department's ``revise`` (later rounds) to the last
  ``opinions_complete`` / ``close_review`` of the round;
- deliberation/decision: that end of the review to the round's first opinion sheet;
- department revision: the sheet of a 修改 / 重新起草 round to the department's ``revise``;
- total: the round's start (arrival, or ``revise``) to its first sheet.
A duration belongs to the year in which its stage ended. Each query is one statement however many
rows it reads; working days are counted in Python because of the holiday list.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import func, select

from ..audit.models import AuditEvent
from ..experts.models import Expert
from ..extensions import db
from ..reviews.models import Assignment, AssignmentStatus, Decision, Opinion, OpinionStatus
from ..sheets.models import OpinionSheet
from ..submissions.models import Conclusion, Submission
from .filters import StatsFilter
from .workdays import WorkdayCounter, median, summary

STAGES = ("intake", "expert_review", "deliberation", "revision")
_EVENTS = ("accept", "start_review", "opinions_complete", "close_review", "revise")
_REVISED = (Conclusion.modify, Conclusion.redraft)


def _department(query, f: StatsFilter):
    return query.where(Submission.department_id == f.department_id) if f.department_id else query


def stage_durations(f: StatsFilter, workdays: WorkdayCounter) -> dict:
    """{"total": {count, median, p90}, "stages": {stage: {count, median, p90}}} in working days."""
    end_in_year = None
    if f.year is not None:
        # Rounds with something that ends a stage in the year: their other events may lie earlier.
        end_in_year = select(AuditEvent.submission_id).where(
            AuditEvent.action.in_(_EVENTS), f.in_window(AuditEvent.created_at)).union(
            select(OpinionSheet.submission_id).where(f.in_window(OpinionSheet.issued_at)))
    events_q = _department(
        select(AuditEvent.submission_id, AuditEvent.round, AuditEvent.action,
               func.min(AuditEvent.created_at), func.max(AuditEvent.created_at))
        .join(Submission, Submission.id == AuditEvent.submission_id)
        .where(AuditEvent.action.in_(_EVENTS)), f)
    sheets_q = _department(
        select(OpinionSheet.submission_id, Decision.round, Decision.conclusion, func.min(OpinionSheet.issued_at))
        .join(Decision, Decision.id == OpinionSheet.decision_id)
        .join(Submission, Submission.id == OpinionSheet.submission_id), f)
    subs_q = _department(select(Submission.id, Submission.created_at), f)
    if end_in_year is not None:
        ids = end_in_year.subquery()
        events_q = events_q.where(AuditEvent.submission_id.in_(select(ids.c[0])))
        sheets_q = sheets_q.where(OpinionSheet.submission_id.in_(select(ids.c[0])))
        subs_q = subs_q.where(Submission.id.in_(select(ids.c[0])))
    events: dict[tuple[int, int, str], tuple[datetime, datetime]] = {}
    for sid, rnd, action, first, last in db.session.execute(
            events_q.group_by(AuditEvent.submission_id, AuditEvent.round, AuditEvent.action)):
        events[(sid, rnd or 1, action)] = (first, last)
    sheets = {(sid, rnd): (conclusion, issued) for sid, rnd, conclusion, issued in db.session.execute(
        sheets_q.group_by(OpinionSheet.submission_id, Decision.round, Decision.conclusion))}
    arrived = dict(db.session.execute(subs_q).all())

    values: dict[str, list[int]] = {s: [] for s in (*STAGES, "total")}

    local: dict[datetime, date] = {}  # instants recur across stages: convert each once

    def day(moment: datetime) -> date:
        d = local.get(moment)
        if d is None:
            d = local[moment] = f.local_date(moment)
        return d

    def add(stage: str, start: datetime | None, end: datetime | None) -> None:
        if start is None or end is None:
            return
        end_day = day(end)
        if f.year is not None and end_day.year != f.year:
            return
        values[stage].append(workdays.between(day(start), end_day))

    def first(sid, rnd, action):
        return (events.get((sid, rnd, action)) or (None, None))[0]

    def last_review_end(sid, rnd):
        ends = [events[k][1] for k in ((sid, rnd, "opinions_complete"), (sid, rnd, "close_review")) if k in events]
        return max(ends, key=day) if ends else None

    rounds = {(sid, rnd) for sid, rnd, _a in events} | set(sheets)
    for sid, rnd in rounds:
        started = arrived.get(sid) if rnd == 1 else first(sid, rnd - 1, "revise")
        if rnd == 1:
            add("intake", started, first(sid, 1, "accept"))
        review_start = first(sid, 1, "start_review") if rnd == 1 else started
        review_end = last_review_end(sid, rnd)
        add("expert_review", review_start, review_end)
        sheet = sheets.get((sid, rnd))
        issued = sheet[1] if sheet else None
        add("deliberation", review_end, issued)
        add("total", started, issued)
        if sheet and sheet[0] in _REVISED:
            add("revision", issued, first(sid, rnd, "revise"))
    return {"total": summary(values["total"]), "stages": {s: summary(values[s]) for s in STAGES}}


def expert_timeliness(f: StatsFilter, workdays: WorkdayCounter) -> tuple[list[dict], dict]:
    """Per expert, over the seats they were invited to in the year: seats, opinions submitted, of those
    submitted by the seat's due date (local date), and the median working days from invitation to
    submission. Declined seats and declared conflicts count as seats, never as opinions.
    Also the totals {submitted, with_due, on_time, rate}: the on-time rate of expert opinions."""
    query = _department(
        select(Assignment.expert_id, Expert.name, Assignment.status, Assignment.invited_at, Assignment.due,
               Opinion.submitted_at)
        .join(Expert, Expert.id == Assignment.expert_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .outerjoin(Opinion, (Opinion.assignment_id == Assignment.id) & (Opinion.status == OpinionStatus.submitted))
        .where(f.in_window(Assignment.invited_at)), f)
    per: dict[int, dict] = {}
    days: dict[int, list[int]] = defaultdict(list)
    totals = {"submitted": 0, "with_due": 0, "on_time": 0}
    for expert_id, name, status, invited, due, submitted in db.session.execute(query):
        row = per.setdefault(expert_id, {"expert_id": expert_id, "name": name, "seats": 0, "declined": 0,
                                         "submitted": 0, "on_time": 0, "late": 0, "median_days": None})
        row["seats"] += 1
        if status in (AssignmentStatus.declined, AssignmentStatus.conflict):
            row["declined"] += 1
        if submitted is None:
            continue
        row["submitted"] += 1
        totals["submitted"] += 1
        done = f.local_date(submitted)
        days[expert_id].append(workdays.between(f.local_date(invited), done))
        if due is not None:
            totals["with_due"] += 1
            if done <= due:
                row["on_time"] += 1
                totals["on_time"] += 1
            else:
                row["late"] += 1
    for expert_id, row in per.items():
        row["median_days"] = median(days[expert_id])
    totals["rate"] = totals["on_time"] / totals["with_due"] if totals["with_due"] else None
    experts = sorted(per.values(), key=lambda r: (-r["seats"], r["name"]))
    return experts, totals
