"""Hand-built registry data: entries, submissions, decisions, seats and sheets written directly."""
from __future__ import annotations

import re
from datetime import date

from review.accounts.models import Department
from review.extensions import db
from review.models_base import utcnow
from review.registry.models import EntryOrigin, EntryStatus, RegistryEntry
from review.registry.operations import set_text


def department(name: str) -> Department:
    dep = db.session.scalar(db.select(Department).where(Department.name == name))
    if dep is None:
        dep = Department(name=name, full_name=f"滨海新区{name}")
        db.session.add(dep)
        db.session.flush()
    return dep


def entry(dep: Department, title: str, *, level: str = "minor", year: int = 2026, text: str = "",
          status: EntryStatus = EntryStatus.drafting, origin: EntryOrigin = EntryOrigin.inventory,
          yes: int = 0) -> RegistryEntry:
    answers = [{"id": f"Q{i}", "topic": f"问题{i}", "answer": "是" if i <= yes else "否", "reasons": []}
               for i in range(1, 11)]
    e = RegistryEntry(title=title, department_id=dep.id, origin=origin, status=status, year=year,
                      impact_level=level, yes_count=yes, answers=answers, drafted_on=date(year, 3, 1))
    db.session.add(e)
    set_text(e, title, [text] if text else [])
    db.session.flush()
    return e


def reviewed_round(e: RegistryEntry, user, expert, *, conclusion: str = "approve", sheet: bool = True,
                   seat_status: str = "submitted", revoked: bool = False, seq: int = 1):
    """A submission of the entry with one decided round: an expert seat, a decision, maybe a sheet."""
    from review.reviews.models import Assignment, AssignmentStatus, Decision
    from review.sheets.models import OpinionSheet, SheetStatus
    from review.submissions.models import Conclusion, PolicyType, Status, Submission

    sub = Submission(title=e.title, department_id=e.department_id, policy_type=PolicyType.normative,
                     status=Status.concluded, conclusion=Conclusion(conclusion), created_by_id=user.id,
                     registry_entry_id=e.id)
    db.session.add(sub)
    db.session.flush()
    db.session.add(Assignment(submission_id=sub.id, round=1, expert_id=expert.id,
                              status=AssignmentStatus(seat_status)))
    decision = Decision(submission_id=sub.id, round=1, conclusion=Conclusion(conclusion), decided_by_id=user.id)
    db.session.add(decision)
    db.session.flush()
    if sheet:
        db.session.add(OpinionSheet(decision_id=decision.id, submission_id=sub.id, serial=f"滨健审〔2026〕{seq}号",
                                    year=2026, seq=seq, code_hash="0" * 64, facts={}, signature="-", key_id="k",
                                    status=SheetStatus.revoked if revoked else SheetStatus.valid,
                                    revoked_reason="误发" if revoked else "",
                                    revoked_at=utcnow() if revoked else None))
    db.session.flush()
    return sub


def login(app, username):
    """A test client signed in as ``username`` (the Factory's password)."""
    from tests.conftest import Factory

    c = app.test_client()
    assert c.post("/login", data={"username": username, "password": Factory.PASSWORD}).status_code == 302
    return c


def titles(html: str) -> set[str]:
    """The entry titles a registry page links to."""
    return set(re.findall(r'href="/registry/\d+">(?:<span lang="zh-CN">)?([^<]+)(?:</span>)?</a>', html))
