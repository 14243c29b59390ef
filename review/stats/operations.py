"""The statistics' figures as pure queries: a fixed number of aggregate statements per call, whatever
the volume (GROUP BY in the database; only the working-day figures read rows, see durations.py).

Each figure counts what happened in the filter's year: submissions by their arrival, decisions by
their date, revision responses by the revised draft's date, expert seats by the invitation, the
evaluation rate by the registry's year.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from ..accounts.models import Department
from ..calendar import app_calendar
from ..extensions import db
from ..reviews.models import Decision, ResponseKind, RevisionResponse
from ..submissions.models import Conclusion, Status, Submission, SubmissionVersion
from .durations import expert_timeliness, stage_durations
from .filters import StatsFilter
from .workdays import WorkdayCounter

MAX_MONTHS = 120  # the monthly chart without a year: the last ten years at most


def _department(query, f: StatsFilter):
    return query.where(Submission.department_id == f.department_id) if f.department_id else query


def _month_starts(f: StatsFilter) -> list[tuple[int, int]]:
    """The (year, month) buckets: the filter's year, else the months the submissions span."""
    if f.year is not None:
        return [(f.year, m) for m in range(1, 13)]
    lo, hi = db.session.execute(_department(select(func.min(Submission.created_at),
                                                   func.max(Submission.created_at)), f)).one()
    if lo is None:
        return []
    a, b = f.local(lo), f.local(hi)
    months = [(y, m) for y in range(a.year, b.year + 1) for m in range(1, 13)
              if (a.year, a.month) <= (y, m) <= (b.year, b.month)]
    return months[-MAX_MONTHS:]


def submissions_by_month(f: StatsFilter) -> list[dict]:
    """[{month: "2026-03", total, by_status: {status: n}}]: one GROUP BY over a CASE that maps each
    arrival to its local month, so the database counts (portable across SQLite and PostgreSQL)."""
    months = _month_starts(f)
    if not months:
        return []
    zone = ZoneInfo(f.tz)
    edges = [datetime(y, m, 1, tzinfo=zone).astimezone(timezone.utc) for y, m in months]
    y, m = months[-1]
    edges.append(datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=zone).astimezone(timezone.utc))
    bucket = case(*((Submission.created_at < edges[i + 1], i) for i in range(len(months))), else_=-1)
    query = _department(select(bucket.label("b"), Submission.status, func.count())
                        .where(Submission.created_at >= edges[0], Submission.created_at < edges[-1]), f)
    rows = [{"month": f"{y:04d}-{m:02d}", "total": 0, "by_status": {s.value: 0 for s in Status}} for y, m in months]
    for b, status, n in db.session.execute(query.group_by("b", Submission.status)):
        if 0 <= b < len(rows):
            rows[b]["by_status"][status.value] += n
            rows[b]["total"] += n
    return rows


def submissions_by_department(f: StatsFilter) -> dict[int, dict]:
    query = _department(select(Submission.department_id, Submission.status, func.count())
                        .where(f.in_window(Submission.created_at)), f)
    out: dict[int, dict] = {}
    for dept, status, n in db.session.execute(query.group_by(Submission.department_id, Submission.status)):
        row = out.setdefault(dept, {"submissions": 0, "by_status": {s.value: 0 for s in Status}})
        row["submissions"] += n
        row["by_status"][status.value] += n
    return out


def conclusions_by_department(f: StatsFilter) -> dict[int, dict[str, int]]:
    """{department id: {conclusion: decisions}}: every round's decision, by its date."""
    query = _department(select(Submission.department_id, Decision.conclusion, func.count())
                        .join(Submission, Submission.id == Decision.submission_id)
                        .where(f.in_window(Decision.decided_at)), f)
    out: dict[int, dict[str, int]] = {}
    for dept, conclusion, n in db.session.execute(query.group_by(Submission.department_id, Decision.conclusion)):
        out.setdefault(dept, {c.value: 0 for c in Conclusion})[conclusion.value] = n
    return out


def adoption_by_department(f: StatsFilter) -> dict[int, dict[str, int]]:
    """{department id: {adopted, partly, rejected}}: the department's answers to opinion items
    (RevisionResponse), by the date of the revised draft that carried them."""
    query = _department(select(Submission.department_id, RevisionResponse.response, func.count())
                        .join(SubmissionVersion, SubmissionVersion.id == RevisionResponse.version_id)
                        .join(Submission, Submission.id == SubmissionVersion.submission_id)
                        .where(f.in_window(SubmissionVersion.created_at)), f)
    out: dict[int, dict[str, int]] = {}
    for dept, kind, n in db.session.execute(query.group_by(Submission.department_id, RevisionResponse.response)):
        out.setdefault(dept, {k.value: 0 for k in ResponseKind})[kind.value] = n
    return out


def evaluation_by_department(f: StatsFilter) -> dict[int, dict]:
    """{department id: {health_related, reviewed}} from the registry (one query there)."""
    from ..registry.operations import evaluation_counts

    out: dict[int, dict] = {}
    for row in evaluation_counts(year=f.year, department_id=f.department_id):
        d = out.setdefault(row["department_id"], {"department": row["department"], "health_related": 0,
                                                  "reviewed": 0})
        d["health_related"] += row["health_related"]
        d["reviewed"] += row["reviewed"]
    return out


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _sum(dicts, keys) -> dict[str, int]:
    total = {k: 0 for k in keys}
    for d in dicts:
        for k in keys:
            total[k] += d.get(k, 0)
    return total


def collect_stats(f: StatsFilter, config) -> dict:
    """Every figure of the statistics page, the API and the annual report."""
    workdays = WorkdayCounter(*app_calendar(config))
    subs = submissions_by_department(f)
    conclusions = conclusions_by_department(f)
    adoption = adoption_by_department(f)
    evaluation = evaluation_by_department(f)
    experts, opinions = expert_timeliness(f, workdays)
    durations = stage_durations(f, workdays)
    ids = set(subs) | set(conclusions) | set(adoption) | set(evaluation)
    names = dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all()) if ids else {}
    c_keys, a_keys = [c.value for c in Conclusion], [k.value for k in ResponseKind]
    by_department = []
    for dept in sorted(ids, key=lambda d: names.get(d, "")):
        ev = evaluation.get(dept, {"health_related": 0, "reviewed": 0})
        by_department.append({
            "department_id": dept, "department": names.get(dept, ""),
            "submissions": subs.get(dept, {}).get("submissions", 0),
            "by_conclusion": conclusions.get(dept, {k: 0 for k in c_keys}),
            "adoption": adoption.get(dept, {k: 0 for k in a_keys}),
            "health_related": ev["health_related"], "reviewed": ev["reviewed"],
            "evaluation_rate": rate(ev["reviewed"], ev["health_related"]),
        })
    by_status = _sum((s["by_status"] for s in subs.values()), [s.value for s in Status])
    by_conclusion = _sum(conclusions.values(), c_keys)
    adopted = _sum(adoption.values(), a_keys)
    health = sum(e["health_related"] for e in evaluation.values())
    reviewed = sum(e["reviewed"] for e in evaluation.values())
    return {
        "filters": f.as_dict(),
        "submissions": sum(by_status.values()),
        "by_status": by_status,
        "by_month": submissions_by_month(f),
        "by_conclusion": by_conclusion,
        "decisions": sum(by_conclusion.values()),
        "working_days": {"median": durations["total"]["median"], "p90": durations["total"]["p90"],
                         "count": durations["total"]["count"], "stages": durations["stages"]},
        "on_time_rate": opinions["rate"],
        "opinions": opinions,
        "adoption": {**adopted, "total": sum(adopted.values())},
        "evaluation_rate": {"health_related": health, "reviewed": reviewed, "rate": rate(reviewed, health)},
        "by_department": by_department,
        "experts": experts,
    }
