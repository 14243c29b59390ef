"""The whole review loop through the operations layer."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from review.extensions import db
from review.reviews import operations as rops
from review.submissions import operations as sops
from review.submissions.models import Conclusion, Status
from review.workflow import TransitionError
from tests.docs import LETTER, REVISED_LINES, docx_bytes


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture
def people(make):
    dept = make.user("department", username="edu", department="教育局")
    office = make.user("office", username="office")
    experts = [make.user("expert", username=f"e{i}", expert_name=n, domains=d, expertise=x)
               for i, (n, d, x) in enumerate([
                   ("甲专家", ["school_health"], "儿童青少年近视防控与学生体质监测"),
                   ("乙专家", ["nutrition_food"], "学校食堂食品安全与学生营养餐"),
                   ("丙专家", ["tobacco_alcohol"], "青少年控烟与电子烟危害"),
                   ("丁专家", ["mental_health"], "学生心理危机干预"),
               ])]
    return dept, office, experts


def test_loop(app, people):
    dept, office, experts = people
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    assert staged.parsed["status"] in ("success", "partial"), staged.parsed["errors"]
    assert not sops.staged_problems(staged)
    sub = sops.confirm_submission(dept, staged)
    db.session.commit()
    assert sub.status is Status.submitted and sub.current_version.clauses

    with pytest.raises(TransitionError):
        sops.accept_submission(dept, sub)
    sops.accept_submission(office, sub)
    from review.routing.operations import propose_for_submission

    proposal = propose_for_submission(sub)
    panel = [m.expert.id for m in proposal.panel]
    assert len(panel) == 3
    due = date.today() + timedelta(days=14)
    rops.assign_experts(office, sub, panel, due)
    db.session.commit()
    assert sub.status is Status.under_review

    clause = sub.current_version.clauses[3]
    for n, a in enumerate(sub.round_assignments()):
        user = a.expert.user
        rops.respond(user, a, "accept")
        rec = "modify" if n == 0 else "approve"
        rops.save_opinion(user, a, {"recommendation": rec, "summary": "意见摘要",
                                    "screening": {"Q6": "是"},
                                    "comments": [{"clause": clause.key, "text": "建议明确含糖饮料", "suggestion": "禁止供应含糖饮料",
                                                  "severity": "medium"}]}, submit=True)
        db.session.commit()
    assert sub.status is Status.deliberation
    assert rops.propose_conclusion(rops.submitted_opinions(sub)) is Conclusion.approve
    with pytest.raises(rops.ReviewError):
        rops.decide(office, sub, "approve")  # milder than one expert: needs a reason
    rops.decide(office, sub, "modify")
    db.session.commit()
    assert sub.status is Status.concluded and sub.conclusion is Conclusion.modify

    items = sops.opinion_items(sub, 1)
    assert len(items) == 3
    responses = {c.id: {"response": "adopted"} for c in items}
    staged = sops.stage_revision(dept, sub, draft=fs(docx_bytes(REVISED_LINES), "方案-修改稿.docx"), responses=responses)
    sops.confirm_revision(dept, sub, staged)
    db.session.commit()
    assert sub.status is Status.under_review and sub.current_round == 2
    assert {a.expert_id for a in sub.round_assignments(2)} == set(panel)
    for a in sub.round_assignments(2):
        rops.save_opinion(a.expert.user, a, {"recommendation": "approve", "summary": "同意"}, submit=True)
        db.session.commit()
    rops.decide(office, sub, "approve")
    db.session.commit()
    assert sub.conclusion is Conclusion.approve and len(sub.versions) == 2
