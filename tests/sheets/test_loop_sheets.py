"""Sheets over the real review loop: submission, panel, opinions, 修改, revision, 审查同意."""
from __future__ import annotations

from datetime import date, timedelta

from pipeline.citation import quote

from review.extensions import db
from review.reviews import operations as rops
from review.sheets import operations as ops
from review.submissions import operations as sops
from tests.docs import LETTER, REVISED_LINES, docx_bytes
from tests.workflow.test_loop_ops import fs, people  # noqa: F401  (fixture)


def test_sheets_follow_the_review_loop(app, people):  # noqa: F811
    dept, office, experts = people
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    sops.accept_submission(office, sub)
    from review.routing.operations import propose_for_submission

    panel = [m.expert.id for m in propose_for_submission(sub).panel]
    rops.assign_experts(office, sub, panel, date.today() + timedelta(days=14))
    db.session.commit()
    clause = next(c for c in sub.current_version.clauses if "食堂" in c.text)
    for a in sub.round_assignments():
        rops.respond(a.expert.user, a, "accept")
        rops.save_opinion(a.expert.user, a, {"recommendation": "modify", "summary": "需修改", "comments": [
            {"clause": clause.key, "text": "建议明确禁止含糖饮料", "suggestion": "禁止供应含糖饮料", "severity": "high"}]},
            submit=True)
        db.session.commit()
    first, first_code = ops.issue_sheet(office, rops.decide(office, sub, "modify"))
    db.session.commit()
    assert first.facts["items"] == [{"clause_path": clause.path, "opinion": "建议明确禁止含糖饮料",
                                     "suggestion": "禁止供应含糖饮料", "quote": quote(clause.text)}]
    assert first.facts["legality"] == "不得进入合法性审查" and ops.verify(first.serial, first_code).valid

    responses = {c.id: {"response": "adopted"} for c in sops.opinion_items(sub, 1)}
    revised = docx_bytes(REVISED_LINES)
    staged = sops.stage_revision(dept, sub, draft=fs(revised, "方案-修改稿.docx"), responses=responses)
    sops.confirm_revision(dept, sub, staged)
    db.session.commit()
    for a in sub.round_assignments(2):
        rops.save_opinion(a.expert.user, a, {"recommendation": "approve", "summary": "同意"}, submit=True)
        db.session.commit()
    second, second_code = ops.issue_sheet(office, rops.decide(office, sub, "approve"))
    db.session.commit()

    old = ops.verify(first.serial, first_code)
    assert old.status == "superseded" and old.superseded_by == second.serial and not old.valid
    new = ops.verify(second.serial, second_code)
    assert new.valid and new.facts["conclusion_label"] == "审查同意" and new.facts["round"] == 2
    assert new.facts["items"] == [] and new.facts["panel"]["size"] == 3
    assert ops.check_draft(second, (revised, "收到的稿.docx"))["matches"]
    # The round-1 draft is not what was approved: the canteen clause differs.
    stale = ops.check_draft(second, (docx_bytes(), "旧稿.docx"))
    assert not stale["matches"] and [c["path"] for c in stale["changed_clauses"]] == [clause.path]
