"""The whole review loop through the JSON API, as a department's office system would drive it."""
from __future__ import annotations

import importlib.util
import json
import sys
import types
from datetime import date, timedelta

from review.extensions import db
from review.submissions.models import StagedUpload, Submission
from tests.docs import LETTER, REVISED_LINES, docx_bytes

from tests.api.helpers import seat, upload


def sheet_module_ready() -> bool:
    return importlib.util.find_spec("review.sheets.operations") is not None and hasattr(
        importlib.import_module("review.sheets.operations"), "issue_sheet")


def test_loop(api, people):
    dept, office, experts = people.dept, people.office, people.experts
    r = api.post("/api/v1/submissions", dept, data={
        "title": "校园健康促进行动实施方案", "policy_type": "normative", "stage": "drafting",
        "contact_name": "王老师", "contact_phone": "022-12345678",
        "draft": upload(docx_bytes(), "方案.docx"), "letter": upload(LETTER, "公函.txt"),
        "basis": [upload(b"basis one", "依据1.txt"), upload(b"basis two", "依据2.txt")]})
    assert r.status_code == 201, r.json
    sub_id = r.json["id"]
    assert r.json == {"id": sub_id, "status": "submitted", "round": 1}
    assert len(db.session.get(Submission, sub_id).current_version.files) == 4

    listed = api.get("/api/v1/submissions?status=submitted", dept).json
    assert [s["id"] for s in listed["items"]] == [sub_id] and listed["total"] == 1

    assert api.post(f"/api/v1/submissions/{sub_id}/accept", dept).status_code == 403
    r = api.post(f"/api/v1/submissions/{sub_id}/accept", office)
    assert r.status_code == 200 and r.json["status"] == "accepted"

    detail = api.get(f"/api/v1/submissions/{sub_id}", office).json
    assert len(detail["screening"]["questions"]) == 10 and detail["department"] == "教育局"
    suggested = [m["expert_id"] for m in detail["panel_suggestion"]["panel"]]
    assert len(suggested) == 3
    assert api.get(f"/api/v1/submissions/{sub_id}", dept).json["panel_suggestion"] is None

    r = api.post(f"/api/v1/submissions/{sub_id}/assignments", office, json={"use_suggestion": True})
    assert r.status_code == 201, r.json
    assert r.json["status"] == "under_review"
    assert sorted(a["expert_id"] for a in r.json["assignments"]) == sorted(suggested)
    seats = {a["expert_id"]: a["id"] for a in r.json["assignments"]}
    by_expert = {e.expert_id: e for e in experts}

    clause = db.session.get(Submission, sub_id).current_version.clauses[3]
    for n, (expert_id, assignment_id) in enumerate(sorted(seats.items())):
        user = by_expert[expert_id]
        r = api.post(f"/api/v1/assignments/{assignment_id}/accept", user)
        assert r.status_code == 200 and r.json["status"] == "accepted"
        r = api.post(f"/api/v1/assignments/{assignment_id}/opinion", user, json={
            "recommendation": "modify" if n == 0 else "approve", "summary": "意见摘要",
            "screening": {"Q6": "是"},
            "comments": [{"clause": clause.key, "text": "建议明确含糖饮料", "suggestion": "禁止供应含糖饮料",
                          "severity": "medium"}]})
        assert r.status_code == 200, r.json
        assert r.json["opinion"]["status"] == "submitted"
        assert r.json["opinion"]["comments"][0]["clause"] == clause.key
    assert r.json["submission_status"] == "deliberation"

    r = api.post(f"/api/v1/submissions/{sub_id}/decision", office, json={"conclusion": "approve"})
    assert r.status_code == 400 and r.json["error"] == "reason_required"
    r = api.post(f"/api/v1/submissions/{sub_id}/decision", office, json={"conclusion": "modify"})
    assert r.status_code == 200, r.json
    assert r.json["conclusion"] == "modify" and r.json["proposed"] == "approve" and r.json["dissent"] == []
    assert (r.json["sheet"] is None) == (not sheet_module_ready())

    items = api.get(f"/api/v1/submissions/{sub_id}/opinion-items", dept).json
    assert items["round"] == 1 and len(items["items"]) == 3
    assert {i["clause_path"] for i in items["items"]} == {clause.path}
    responses = {str(i["id"]): {"response": "adopted"} for i in items["items"]}
    first = items["items"][0]["id"]
    responses[str(first)] = {"response": "partly", "reason": "部分条款另行规定"}
    r = api.post(f"/api/v1/submissions/{sub_id}/revisions", dept, data={
        "draft": upload(docx_bytes(REVISED_LINES), "方案-修改稿.docx"), "responses": json.dumps(responses),
        "note": "按意见修改"})
    assert r.status_code == 201, r.json
    assert r.json == {"id": sub_id, "status": "under_review", "round": 2}

    for expert_id in seats:
        user = by_expert[expert_id]
        mine = [a for a in api.get(f"/api/v1/submissions/{sub_id}", user).json["assignments"]
                if a["round"] == 2]
        assert len(mine) == 1 and mine[0]["status"] == "invited"
        r = api.post(f"/api/v1/assignments/{mine[0]['id']}/opinion", user,
                     json={"recommendation": "approve", "summary": "同意"})
        assert r.status_code == 200, r.json
    r = api.post(f"/api/v1/submissions/{sub_id}/decision", office, json={"conclusion": "approve"})
    assert r.status_code == 200 and r.json["conclusion"] == "approve" and r.json["round"] == 2
    detail = api.get(f"/api/v1/submissions/{sub_id}", dept).json
    assert detail["status"] == "concluded" and detail["conclusion"] == "approve"
    assert [d["conclusion"] for d in detail["decisions"]] == ["modify", "approve"]
    assert len(detail["opinions"]) == 6  # both rounds are decided: the department sees them all
    if sheet_module_ready():
        assert detail["sheet"] == {"serial": r.json["sheet"]["serial"], "status": "valid", "code": None}
    assert db.session.scalar(db.select(db.func.count(StagedUpload.id))) == 0


def test_milder_decision_records_dissent(api, people, under_review):
    from review.reviews import operations as rops

    for user in people.experts[:3]:
        rops.save_opinion(user, seat(under_review, user), {"recommendation": "modify", "summary": "需修改"},
                          submit=True)
    db.session.commit()
    url = f"/api/v1/submissions/{under_review.id}/decision"
    r = api.post(url, people.office, json={"conclusion": "approve", "reason": "   "})
    assert r.status_code == 400 and r.json["error"] == "reason_required" and r.json["field"] == "reason"
    r = api.post(url, people.office, json={"conclusion": "approve", "reason": "措施已在上位文件中明确"})
    assert r.status_code == 200, r.json
    assert r.json["proposed"] == "modify" and r.json["reason"] == "措施已在上位文件中明确"
    assert sorted(d["expert_id"] for d in r.json["dissent"]) == sorted(e.expert_id for e in people.experts[:3])
    r = api.post(url, people.office, json={"conclusion": "modify"})
    assert r.status_code == 409 and r.json["error"] == "already_decided"  # the round has its decision


def test_decision_returns_the_issued_sheet(api, people, under_review, monkeypatch):
    """When the sheets feature offers issue_sheet, the decision answers with serial and code."""
    from review.reviews import operations as rops

    issued = []

    def issue_sheet(actor, decision):
        issued.append((actor.id, decision.id))
        return types.SimpleNamespace(serial="滨健审〔2026〕1号"), "ABCD-1234"

    monkeypatch.setitem(sys.modules, "review.sheets.operations",
                        types.SimpleNamespace(issue_sheet=issue_sheet))
    for user in people.experts[:3]:
        rops.save_opinion(user, seat(under_review, user), {"recommendation": "approve", "summary": "同意"},
                          submit=True)
    db.session.commit()
    r = api.post(f"/api/v1/submissions/{under_review.id}/decision", people.office, json={"conclusion": "approve"})
    assert r.status_code == 200, r.json
    assert r.json["sheet"] == {"serial": "滨健审〔2026〕1号", "code": "ABCD-1234"}
    assert issued == [(people.office.id, under_review.decisions[0].id)]


def test_explicit_panel_and_checks(api, people, submitted):
    from review.submissions import operations as sops

    sops.accept_submission(people.office, submitted)
    db.session.commit()
    url = f"/api/v1/submissions/{submitted.id}/assignments"
    due = (date.today() + timedelta(days=10)).isoformat()
    ids = [e.expert_id for e in people.experts[1:4]]
    r = api.post(url, people.office, json={"expert_ids": [999999], "due": due})
    assert r.status_code == 400 and r.json["error"] == "unknown_expert"
    r = api.post(url, people.office, json={"expert_ids": ids, "due": "2000-01-01"})
    assert r.status_code == 400 and r.json["error"] == "due_in_past"
    r = api.post(url, people.office, json={"expert_ids": ids, "due": due})
    assert r.status_code == 201, r.json
    assert [a["expert_id"] for a in r.json["assignments"]] == ids
    assert {a["due"] for a in r.json["assignments"]} == {due}
    r = api.post(url, people.office, json={"expert_ids": ids[:1], "due": due})
    assert r.status_code == 400 and r.json["error"] == "already_assigned"
