"""Concluded submissions built straight from the models (fast), for the sheet tests."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pipeline import run_bytes
from review.accounts.models import Role, User
from review.accounts.operations import get_or_create_department
from review.experts.models import Expert
from review.extensions import db
from review.reviews import operations as rops
from review.reviews.models import (
    Assignment,
    AssignmentStatus,
    ClauseComment,
    Opinion,
    OpinionStatus,
)
from review.submissions.models import (
    Clause,
    Conclusion,
    PolicyType,
    Status,
    Submission,
    SubmissionVersion,
)
from tests.docs import DRAFT_LINES, docx_bytes

EXPERTS = [("甲专家", ["school_health"]), ("乙专家", ["nutrition_food"]), ("丙专家", ["tobacco_alcohol"])]


_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash of the test password, computed once: hashing costs ~0.5 s per user."""
    if not _HASH:
        from review.accounts.auth import hash_password
        from tests.conftest import Factory

        _HASH.append(hash_password(Factory.PASSWORD))
    return _HASH[0]


def quick_user(username: str, role: str, department: str | None = None) -> User:
    user = User(username=username, role=Role(role), password_hash=password_hash())
    if department:
        user.department = get_or_create_department(department)
    db.session.add(user)
    db.session.flush()
    return user


class Committee:
    def __init__(self, make=None, department: str = "教育局", prefix: str = "s"):
        self.dept = quick_user(f"{prefix}-dept", "department", department)
        self.office = quick_user(f"{prefix}-office", "office")
        self.justice = quick_user(f"{prefix}-justice", "justice")
        self.admin = quick_user(f"{prefix}-admin", "admin")
        self.experts = []
        for name, domains in EXPERTS:
            expert = Expert(name=f"{prefix}{name}", domains=domains, title="教授", affiliation="天津医科大学")
            db.session.add(expert)
            self.experts.append(expert)
        db.session.commit()

    def other_department(self, username: str, department: str) -> User:
        user = quick_user(username, "department", department)
        db.session.commit()
        return user

    def add_round(self, sub: Submission, lines: list[str], round_: int) -> SubmissionVersion:
        data = docx_bytes(lines)
        parsed = run_bytes(data, "方案.docx").to_dict()
        version = SubmissionVersion(round=round_, draft_sha256=parsed["sha256"], text_sha256=parsed["text_sha256"],
                                    parse_status=parsed["status"], parsed=parsed, created_by_id=self.dept.id)
        version.clauses = [Clause(key=c["id"], ordinal=n, path=c.get("path") or "", text=c["text"])
                           for n, c in enumerate(parsed["clauses"])]
        sub.versions.append(version)
        sub.current_round = round_
        sub.conclusion = None
        sub.status = Status.deliberation
        db.session.flush()
        now = datetime.now(timezone.utc)
        for n, expert in enumerate(self.experts):
            a = Assignment(submission=sub, round=round_, expert_id=expert.id,
                           status=AssignmentStatus.submitted, due=date.today() + timedelta(days=10),
                           invited_at=now - timedelta(days=5))
            opinion = Opinion(status=OpinionStatus.submitted, recommendation=Conclusion.approve, summary="同意",
                              submitted_at=now)
            if round_ == 1:
                clause = next(c for c in version.clauses if "食堂" in c.text)
                opinion.comments = [ClauseComment(clause=clause, text=f"建议明确含糖饮料（{n}）" if n else "建议明确含糖饮料",
                                                  suggestion="禁止供应含糖饮料"),
                                    ClauseComment(clause=None, text="总体可行")]
            a.opinion = opinion
            db.session.add(a)
        db.session.flush()
        self.data = data
        return version

    def decided(self, conclusion: str = "approve", lines: list[str] = DRAFT_LINES, title: str = "校园健康促进行动实施方案",
                sub: Submission | None = None, reason: str = ""):
        """A submission in deliberation with three opinions, decided; returns the decision."""
        if sub is None:
            sub = Submission(title=title, department_id=self.dept.department_id, policy_type=PolicyType.normative,
                             created_by_id=self.dept.id, status=Status.deliberation)
            db.session.add(sub)
            round_ = 1
        else:
            round_ = sub.current_round + 1
        self.add_round(sub, lines, round_)
        decision = rops.decide(self.office, sub, conclusion, reason)
        db.session.commit()
        return decision
