"""A hand-built committee year with known dates, so that every statistics figure has a number worked
out by hand (the comments give the working-day counts; 2025-01-01 is the only holiday).

Rows are written directly (no workflow), with the audit events the workflow would have recorded."""
from __future__ import annotations

from datetime import datetime, timezone

from review.accounts.models import Department, Role, User
from review.audit.models import AuditEvent
from review.experts.models import Expert
from review.extensions import db
from review.reviews.models import (
    Assignment, AssignmentStatus, ClauseComment, Decision, Opinion, OpinionStatus, ResponseKind, RevisionResponse,
)
from review.sheets.models import OpinionSheet, SheetStatus
from review.submissions.models import Conclusion, PolicyType, Status, Submission, SubmissionVersion

HOLIDAYS = "2025-01-01"


def at(day: str, hour: int = 2) -> datetime:
    """A UTC instant; 02:00 UTC is 10:00 in Shanghai, 17:00 UTC already the next local day."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=timezone.utc)


class Builder:
    def __init__(self):
        self.office = User(username="stats-office", role=Role.office, password_hash="x")
        db.session.add(self.office)
        self.depts = {}
        self.experts = {}
        self._sheet = 0

    def dept(self, name: str) -> Department:
        d = Department(name=name, full_name=f"滨海新区{name}")
        db.session.add(d)
        db.session.flush()
        self.depts[name] = d
        return d

    def expert(self, name: str) -> Expert:
        e = Expert(name=name, domains=["health_promotion"])
        db.session.add(e)
        db.session.flush()
        self.experts[name] = e
        return e

    def submission(self, title, dept, created, status, conclusion=None, rounds=1) -> Submission:
        s = Submission(title=title, department=self.depts[dept], policy_type=PolicyType.normative,
                       status=status, conclusion=conclusion, current_round=rounds, created_by=self.office,
                       created_at=created, updated_at=created)
        db.session.add(s)
        db.session.flush()
        for r in range(1, rounds + 1):
            db.session.add(SubmissionVersion(submission_id=s.id, round=r, created_at=created))
        db.session.flush()
        return s

    def event(self, sub, action, when, round_=1, from_state="", to_state=""):
        db.session.add(AuditEvent(submission_id=sub.id, actor_id=self.office.id, action=action, round=round_,
                                  from_state=from_state, to_state=to_state, created_at=when))

    def seat(self, sub, expert, invited, due, round_=1, submitted=None, status=None, comments=0):
        a = Assignment(submission_id=sub.id, round=round_, expert_id=self.experts[expert].id,
                       status=status or (AssignmentStatus.submitted if submitted else AssignmentStatus.accepted),
                       due=datetime.fromisoformat(due).date(), invited_at=invited)
        db.session.add(a)
        db.session.flush()
        out = []
        if submitted:
            o = Opinion(assignment_id=a.id, status=OpinionStatus.submitted, recommendation=Conclusion.modify,
                        summary="意见", submitted_at=submitted)
            db.session.add(o)
            db.session.flush()
            for n in range(comments):
                c = ClauseComment(opinion_id=o.id, text=f"意见{n}")
                db.session.add(c)
                out.append(c)
            db.session.flush()
        return out

    def sheet(self, sub, round_, conclusion, decided, issued):
        d = Decision(submission_id=sub.id, round=round_, conclusion=conclusion, decided_by_id=self.office.id,
                     decided_at=decided)
        db.session.add(d)
        db.session.flush()
        self._sheet += 1
        db.session.add(OpinionSheet(decision_id=d.id, submission_id=sub.id, serial=f"健审〔2025〕{self._sheet}号",
                                    year=issued.year, seq=self._sheet, code_hash="0" * 64, facts={"title": sub.title},
                                    signature="", key_id="", status=SheetStatus.valid, issued_at=issued))
        db.session.flush()

    def entry(self, sub, level, year, dept=None):
        from review.registry.models import EntryOrigin, RegistryEntry

        e = RegistryEntry(title=sub.title if sub else f"存量文件{level}{year}",
                          department_id=sub.department_id if sub else self.depts[dept].id,
                          origin=EntryOrigin.submission if sub else EntryOrigin.inventory, year=year,
                          impact_level=level, yes_count=0, answers=[])
        db.session.add(e)
        db.session.flush()
        if sub:
            sub.registry_entry_id = e.id

    def respond(self, sub, round_, comment, kind: ResponseKind):
        version = db.session.scalar(db.select(SubmissionVersion).where(
            SubmissionVersion.submission_id == sub.id, SubmissionVersion.round == round_))
        db.session.add(RevisionResponse(version_id=version.id, comment_id=comment.id, response=kind))


def build_year() -> dict:
    """The data set; returns its ids."""
    b = Builder()
    b.dept("教育局")
    b.dept("卫健委")
    b.expert("甲专家")
    b.expert("乙专家")
    S = Status
    # S1 教育局, two rounds. Round 1: intake 3/3 → 3/5 = 2; review 3/6 → 3/13 = 5; deliberation 3/13 → sheet
    # 3/17 = 2; total 3/3 → 3/17 = 10; revision 3/17 → 3/24 = 5. Round 2: review 3/24 → 3/27 = 3;
    # deliberation 3/27 → 3/31 = 2; total 3/24 → 3/31 = 5.
    s1 = b.submission("学校卫生管理办法", "教育局", at("2025-03-03"), S.concluded, Conclusion.approve, rounds=2)
    b.event(s1, "submit", at("2025-03-03"))
    b.event(s1, "accept", at("2025-03-05"))
    b.event(s1, "start_review", at("2025-03-06"))
    b.event(s1, "opinions_complete", at("2025-03-13"))
    b.event(s1, "decide", at("2025-03-14"))
    b.event(s1, "revise", at("2025-03-24"), round_=1)
    b.event(s1, "opinions_complete", at("2025-03-27"), round_=2)
    b.sheet(s1, 1, Conclusion.modify, at("2025-03-14"), at("2025-03-17"))
    b.sheet(s1, 2, Conclusion.approve, at("2025-03-28"), at("2025-03-31"))
    # Seats: 甲 on time (3/11 ≤ 3/12; 3 working days), 乙 late (3/13 > 3/12; 5 days);
    # round 2: 甲 submits 3/26 17:00 UTC = 3/27 local, after the due date 3/26: late (3 days).
    c1 = b.seat(s1, "甲专家", at("2025-03-06"), "2025-03-12", submitted=at("2025-03-11"), comments=2)
    c2 = b.seat(s1, "乙专家", at("2025-03-06"), "2025-03-12", submitted=at("2025-03-13"), comments=1)
    b.seat(s1, "甲专家", at("2025-03-24"), "2025-03-26", round_=2, submitted=at("2025-03-26", 17))
    # The department's answers with round 2: 采纳 1, 部分采纳 1, 不采纳 1.
    b.respond(s1, 2, c1[0], ResponseKind.adopted)
    b.respond(s1, 2, c1[1], ResponseKind.partly)
    b.respond(s1, 2, c2[0], ResponseKind.rejected)
    # S2 卫健委: intake 4/1 → 4/2 = 1; review 4/3 → last close 4/18 = 11 (closed, reopened, closed again);
    # deliberation 4/18 → sheet 4/24 = 4; total 4/1 → 4/24 = 17.
    s2 = b.submission("控烟条例实施方案", "卫健委", at("2025-04-01"), S.concluded, Conclusion.reject)
    b.event(s2, "accept", at("2025-04-02"))
    b.event(s2, "start_review", at("2025-04-03"))
    b.event(s2, "close_review", at("2025-04-17"))
    b.event(s2, "reopen_review", at("2025-04-17", 5))
    b.event(s2, "close_review", at("2025-04-18"))
    b.sheet(s2, 1, Conclusion.reject, at("2025-04-23"), at("2025-04-24"))
    b.seat(s2, "甲专家", at("2025-04-03"), "2025-04-16", status=AssignmentStatus.declined)
    b.seat(s2, "乙专家", at("2025-04-03"), "2025-04-16", submitted=at("2025-04-16"))  # on time, 9 days
    # S3 教育局 under review: intake 5/5 → 5/6 = 1; 乙 holds an open seat.
    s3 = b.submission("校园食品安全方案", "教育局", at("2025-05-05"), S.under_review)
    b.event(s3, "accept", at("2025-05-06"))
    b.event(s3, "start_review", at("2025-05-07"))
    b.seat(s3, "乙专家", at("2025-05-07"), "2025-05-20")
    # S4 卫健委, just submitted (June).
    b.submission("健康社区建设意见", "卫健委", at("2025-06-02"), S.submitted)
    # S5 教育局 arrived 2024-12-30 (2024), accepted 2025-01-02: intake 2 (12/31, 1/2; 1/1 is a holiday).
    s5 = b.submission("课后服务管理办法", "教育局", at("2024-12-30"), S.accepted)
    b.event(s5, "accept", at("2025-01-02"))
    # S6 教育局 withdrawn, arrived 2024-12-31 17:00 UTC = 2025-01-01 01:00 local: a 2025 submission.
    b.submission("体育设施开放办法", "教育局", at("2024-12-31", 17), S.withdrawn)
    # The registry: 教育局 2025 has three health-related entries (S1's reviewed; S3's still under review;
    # one from the inventory) and one without health impact; 卫健委 2025 one (S2's, reviewed), 2024 one.
    b.entry(s1, "major", 2025)
    b.entry(s3, "minor", 2025)
    b.entry(None, "minor", 2025, dept="教育局")
    b.entry(None, "none", 2025, dept="教育局")
    b.entry(s2, "major", 2025)
    b.entry(None, "minor", 2024, dept="卫健委")
    db.session.commit()
    return {"depts": {k: v.id for k, v in b.depts.items()}, "experts": {k: v.id for k, v in b.experts.items()},
            "s1": s1.id, "s2": s2.id}
