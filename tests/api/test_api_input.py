"""Bad input gives a specific 4xx JSON answer; garbage never gives a 500."""
from __future__ import annotations

import io
import json
import os

import pytest

from review.audit.models import CommitteeSetting
from review.extensions import db
from review.reviews.models import Opinion
from review.submissions.models import StagedUpload, Status, Submission
from tests.api.helpers import seat, upload
from tests.api.test_api_access import OK, ROLES, TABLE
from tests.docs import LETTER, REVISED_LINES, docx_bytes


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def _stored_files(app) -> list[str]:
    return [f for _, _, files in os.walk(app.config["UPLOAD_DIR"]) for f in files]


def test_submission_form_errors(api, app, people):
    good = {"title": "方案", "policy_type": "normative"}
    cases = [
        ({**good, "letter": upload(LETTER, "公函.txt")}, "missing_draft", "draft"),
        ({**good, "draft": upload(b"x", "方案.docx")}, "missing_letter", "letter"),
        ({"policy_type": "normative"}, "missing_title", "title"),
        ({**good, "title": "长" * 301}, "title_too_long", "title"),
        ({**good, "policy_type": "law"}, "bad_policy_type", "policy_type"),
        ({**good, "stage": "someday"}, "bad_stage", "stage"),
        ({**good, "draft": upload(b"MZ", "方案.exe")}, "bad_file_type", "draft"),
        ({**good, "letter": upload(b"x", "公函.exe")}, "bad_file_type", "letter"),
        ({**good, "basis": [upload(b"x", "依据.sh")]}, "bad_file_type", "basis"),
    ]
    for fields, error, field in cases:
        data = {"draft": upload(b"x", "方案.docx"), "letter": upload(LETTER, "公函.txt"), **fields}
        if error == "missing_draft":
            data.pop("draft")
        if error == "missing_letter":
            data.pop("letter")
        r = api.post("/api/v1/submissions", people.dept, data=data)
        assert r.status_code == 400, (error, r.json)
        assert (r.json["error"], r.json["field"]) == (error, field), r.json
    assert _count(Submission) == 0 and _count(StagedUpload) == 0 and _stored_files(app) == []


def test_unreadable_draft_is_422_and_leaves_nothing(api, app, people):
    r = api.post("/api/v1/submissions", people.dept, data={
        "title": "方案", "policy_type": "rule", "draft": upload(os.urandom(2048), "方案.docx"),
        "letter": upload(LETTER, "公函.txt"), "basis": [upload(b"basis", "依据.txt")]})
    assert r.status_code == 422, r.json
    assert r.json["error"] in ("corrupt", "unsupported_format") and r.json["detail"]
    assert _count(Submission) == 0 and _count(StagedUpload) == 0 and _stored_files(app) == []


def test_review_input_errors(api, people, under_review):
    office, expert = people.office, people.experts[0]
    sid, aid = under_review.id, seat(under_review, expert).id
    cases = [
        (office, f"/submissions/{sid}/decision", {"conclusion": "maybe"}, 400, "bad_conclusion"),
        (office, f"/submissions/{sid}/decision", {"reason": "x"}, 400, "bad_conclusion"),
        (office, f"/submissions/{sid}/decision", {"conclusion": "modify", "reason": 5}, 400, "bad_reason"),
        (office, f"/submissions/{sid}/decision", {"conclusion": "modify"}, 409, "invalid_state"),
        (office, f"/submissions/{sid}/assignments", {"expert_ids": "1,2"}, 400, "bad_expert_ids"),
        (office, f"/submissions/{sid}/assignments", {"expert_ids": [True]}, 400, "bad_expert_ids"),
        (office, f"/submissions/{sid}/assignments", {"expert_ids": [1], "due": "2026-13-01"}, 400, "bad_due"),
        (office, f"/submissions/{sid}/assignments", {"expert_ids": [1], "due": 20260101}, 400, "bad_due"),
        (office, f"/submissions/{sid}/assignments", {"expert_ids": []}, 400, "no_experts"),
        (office, f"/submissions/{sid}/return", {"reason": "缺公函"}, 409, "invalid_state"),
        (expert, f"/assignments/{aid}/decline", {"reason": " "}, 400, "reason_required"),
        (expert, f"/assignments/{aid}/conflict", {}, 400, "reason_required"),
        (expert, f"/assignments/{aid}/opinion", {"recommendation": "maybe", "summary": "x"}, 400,
         "bad_recommendation"),
        (expert, f"/assignments/{aid}/opinion", {"recommendation": 1, "summary": "x"}, 400, "bad_recommendation"),
        (expert, f"/assignments/{aid}/opinion", {"recommendation": "approve"}, 400, "summary_required"),
        (expert, f"/assignments/{aid}/opinion", {"summary": "x"}, 400, "recommendation_required"),
        (expert, f"/assignments/{aid}/opinion", {"screening": {"Q1": "maybe"}}, 400, "bad_screening"),
        (expert, f"/assignments/{aid}/opinion", {"screening": {"Q11": "是"}}, 400, "bad_screening"),
        (expert, f"/assignments/{aid}/opinion", {"screening": ["Q1"]}, 400, "bad_screening"),
        (expert, f"/assignments/{aid}/opinion", {"comments": "x"}, 400, "bad_comments"),
        (expert, f"/assignments/{aid}/opinion", {"comments": [{"clause": "c9999", "text": "x"}]}, 400,
         "unknown_clause"),
        (expert, f"/assignments/{aid}/opinion", {"comments": [{"clause": 999999, "text": "x"}]}, 400,
         "unknown_clause"),
        (expert, f"/assignments/{aid}/opinion", {"comments": [{"clause": "²", "text": "x"}]}, 400,
         "unknown_clause"),
        (expert, f"/assignments/{aid}/opinion", {"comments": [{"text": "x", "severity": "huge"}]}, 400,
         "bad_severity"),
        (expert, f"/assignments/{aid}/opinion", {"comments": [{"text": 5}]}, 400, "bad_comments"),
        (expert, f"/assignments/{aid}/opinion", {"submit": "yes"}, 400, "bad_submit"),
    ]
    for user, path, body, status, error in cases:
        r = api.post(f"/api/v1{path}", user, json=body)
        assert (r.status_code, r.json.get("error")) == (status, error), (path, body, r.json)
    for path in (f"/submissions/{sid}/decision", f"/assignments/{aid}/decline"):
        r = api.post(f"/api/v1{path}", office if "decision" in path else expert, data="{not json",
                     content_type="application/json")
        assert r.status_code == 400 and r.json["error"] == "bad_request"
    assert _count(Opinion) == 0  # nothing of the refused opinions was kept

    clause = under_review.current_version.clauses[2]
    r = api.post(f"/api/v1/assignments/{aid}/opinion", expert, json={
        "recommendation": "modify", "summary": "草稿", "submit": False,
        "comments": [{"clause": clause.id, "text": "按 id 指向条款", "severity": "high"}, {"text": "总体意见"}]})
    assert r.status_code == 200 and r.json["opinion"]["status"] == "draft", r.json
    assert [c["clause"] for c in r.json["opinion"]["comments"]] == [clause.key, None]
    assert r.json["assignment"]["status"] == "accepted"


def test_withdraw_cancels_the_open_seats(api, people, under_review):
    aid = seat(under_review, people.experts[0]).id
    r = api.post(f"/api/v1/submissions/{under_review.id}/withdraw", people.dept, json={"reason": "政策调整"})
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    r = api.post(f"/api/v1/assignments/{aid}/accept", people.experts[0])
    assert r.status_code == 409 and r.json["error"] == "invalid_state"
    assert api.get(f"/api/v1/submissions/{under_review.id}", people.experts[0]).json["assignments"][0][
        "status"] == "cancelled"


@pytest.fixture
def concluded(people, under_review):
    """Round 1 decided 修改, with one clause comment from each of experts 0..2."""
    from review.reviews import operations as rops

    clause = under_review.current_version.clauses[3]
    for user in people.experts[:3]:
        rops.save_opinion(user, seat(under_review, user), {
            "recommendation": "modify", "summary": "需修改",
            "comments": [{"clause": clause.key, "text": f"{user.username} 的意见", "suggestion": "改"}]}, submit=True)
    rops.decide(people.office, under_review, "modify")
    db.session.commit()
    return under_review


def test_revision_input_errors(api, people, concluded):
    url = f"/api/v1/submissions/{concluded.id}/revisions"
    items = api.get(f"/api/v1/submissions/{concluded.id}/opinion-items", people.dept).json["items"]
    assert len(items) == 3
    all_adopted = {str(i["id"]): {"response": "adopted"} for i in items}
    first = str(items[0]["id"])
    cases = [
        ({"responses": json.dumps(all_adopted)}, "missing_draft"),
        ({"responses": "{not json"}, "bad_responses"),
        ({"responses": "[1, 2]"}, "bad_responses"),
        ({"responses": json.dumps({first: "adopted"})}, "bad_responses"),
        ({"responses": json.dumps({first: {"response": 1}})}, "bad_responses"),
        ({}, "response_missing"),
        ({"responses": json.dumps({**all_adopted, first: {"response": "maybe"}})}, "response_missing"),
        ({"responses": json.dumps({**all_adopted, first: {"response": "rejected"}})}, "response_reason_missing"),
        ({"responses": json.dumps(all_adopted), "letter": upload(b"x", "公函.exe")}, "bad_file_type"),
    ]
    for fields, error in cases:
        data = {"draft": upload(docx_bytes(REVISED_LINES), "修改稿.docx"), **fields}
        if error == "missing_draft":
            data.pop("draft")
        r = api.post(url, people.dept, data=data)
        assert r.status_code == 400 and r.json["error"] == error, (fields, r.json)
    r = api.post(url, people.dept, data={"draft": upload(os.urandom(1024), "修改稿.docx"),
                                         "responses": json.dumps(all_adopted)})
    assert r.status_code == 422 and r.json["detail"], r.json
    sub = db.session.get(Submission, concluded.id)
    assert sub.status is Status.concluded and sub.current_round == 1 and _count(StagedUpload) == 0
    r = api.post(url, people.other_dept, data={"draft": upload(b"x", "a.docx"), "responses": "{}"})
    assert r.status_code == 404


def test_opinion_items_name_or_hide_the_experts(api, people, concluded):
    url = f"/api/v1/submissions/{concluded.id}/opinion-items"
    names = {e.expert.name for e in people.experts[:3]}
    office_items = api.get(url, people.office).json["items"]
    assert {i["expert"] for i in office_items} == names
    assert {i["expert"] for i in api.get(url, people.dept).json["items"]} == names
    db.session.add(CommitteeSetting(anonymise_panel=True))
    db.session.commit()
    items = api.get(url, people.dept).json["items"]
    assert {i["expert"] for i in items} == {"专家A", "专家B", "专家C"}
    assert {i["clause_path"] for i in items} == {concluded.current_version.clauses[3].path}
    assert {i["expert"] for i in api.get(url, people.office).json["items"]} == names
    detail = api.get(f"/api/v1/submissions/{concluded.id}", people.dept).json
    assert {a["expert_id"] for a in detail["assignments"]} == {None}
    assert {o["expert"] for o in detail["opinions"]} == {"专家A", "专家B", "专家C"}
    assert api.get(f"{url}?round=2", people.dept).status_code == 400


def test_who_sees_which_opinions(api, people, under_review):
    from review.reviews import operations as rops

    e0, e1, e2 = people.experts[:3]
    rops.save_opinion(e0, seat(under_review, e0), {"recommendation": "approve", "summary": "甲"}, submit=True)
    rops.save_opinion(e1, seat(under_review, e1), {"recommendation": "modify", "summary": "乙草稿"})
    db.session.commit()
    url = f"/api/v1/submissions/{under_review.id}"

    def seen(user):
        body = api.get(url, user).json
        return sorted((o["summary"], o["status"]) for o in body["opinions"])

    assert seen(e0) == [("甲", "submitted")]
    assert seen(e1) == [("乙草稿", "draft")]  # not e0's: e1 has not submitted yet
    assert seen(e2) == []
    assert seen(people.office) == seen(people.admin) == [("甲", "submitted")]
    assert seen(people.dept) == []  # the round is not decided
    assert [a["expert_id"] for a in api.get(url, e1).json["assignments"]] == [e1.expert_id]
    assert len(api.get(url, people.office).json["assignments"]) == 3

    r = api.post(f"/api/v1/assignments/{seat(under_review, e1).id}/opinion", e1, json={"summary": "乙"})
    assert r.status_code == 200
    assert seen(e1) == [("乙", "submitted"), ("甲", "submitted")]
    db.session.add(CommitteeSetting(experts_see_peers=True))
    db.session.commit()
    assert seen(e2) == [("乙", "submitted"), ("甲", "submitted")]


def garbage() -> list[dict]:
    """Fresh each time: a multipart body consumes its file objects."""
    return [
        {"data": "{not json", "content_type": "application/json"},
        {"data": b"\xff\xfe\x00garbage", "content_type": "application/octet-stream"},
        {"json": [1, 2, 3]},
        {"json": "a string"},
        {"json": None},
        {"json": {"reason": 5, "expert_ids": "x", "due": 7, "conclusion": ["x"], "recommendation": {},
                  "summary": [], "screening": "x", "comments": {"a": 1}, "submit": "yes", "use_suggestion": "yes"}},
        {"json": {"comments": [1, {"clause": {"x": 1}}, {"clause": True, "text": "x"}, {"clause": "１", "text": "x"},
                                   {"clause": "²", "text": "x"}],
                  "screening": {"Q99": 1}, "expert_ids": [1.5, None], "due": "yesterday"}},
        {"json": {"conclusion": "maybe", "reason": None, "expert_ids": [10 ** 30], "due": "2099-01-01"}},
        {"json": {"use_suggestion": True, "due": "0001-01-01"}},
        {"data": {"title": "x" * 400, "policy_type": "xx", "responses": "{not json",
                  "draft": (io.BytesIO(b"\x00\xff"), "a.exe"), "letter": (io.BytesIO(b""), ""),
                  "basis": (io.BytesIO(b"x"), "../../etc/passwd")}},
        {"data": {"responses": json.dumps({"1": {"response": ["adopted"]}}), "draft": (io.BytesIO(b"x"), "")}},
    ]


QUERIES = ["", "?page=x&per_page=0&status=nope&round=abc", "?page=-1", "?per_page=1000", "?round=0",
           "?status=", "?page=99999999999999999999"]


def test_garbage_never_gives_a_500(api, people, under_review):
    callers = {"owner": people.dept, "other_dept": people.other_dept, "office": people.office,
               "admin": people.admin, "justice": people.justice, "expert": people.experts[0],
               "peer_expert": people.experts[1], "other_expert": people.experts[3]}
    aid = seat(under_review, people.experts[0]).id
    bad = []
    for method, path, expected in TABLE:
        url = path.format(sid=under_review.id, aid=aid, jid=0)
        role = next((r for r in ROLES if expected[r] == OK), None)
        if role is None:
            continue  # nobody may call it with these ids (e.g. nobody's job): the 404 is tested elsewhere
        tries = garbage() if method == "POST" else [{"query": q} for q in QUERIES]
        for kw in tries:
            target = url + kw.pop("query", "")
            r = api.call(method, target, callers[role], **kw)
            answered = r.is_json and (r.status_code < 400 or {"error", "detail"} <= set(r.json))
            if r.status_code >= 500 or not answered:
                bad.append((method, target, role, kw, r.status_code, r.get_data(as_text=True)[:300]))
    for method, url in [("GET", f"/api/v1/submissions/{under_review.id}/accept"),
                        ("DELETE", f"/api/v1/submissions/{under_review.id}"),
                        ("GET", f"/api/v1/submissions/{10 ** 30}"), ("POST", f"/api/v1/assignments/{10 ** 30}/accept")]:
        r = api.call(method, url, people.office)
        if not (400 <= r.status_code < 500 and r.is_json and r.json.get("error")):
            bad.append((method, url, r.status_code, r.get_data(as_text=True)[:300]))
    assert not bad, "\n".join(map(str, bad))


def test_unrouted_urls_and_oversized_uploads_answer_json(api, app, people):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    for method, url, kw in [("GET", "/api/v1/nowhere", {}), ("POST", "/api/v1/submissions/abc", {}),
                            ("POST", "/api/v1/submissions", {"data": {"draft": upload(b"x" * 4096, "a.docx")}})]:
        r = api.call(method, url, people.dept, **kw)
        assert r.status_code in (404, 413) and r.is_json and r.json["error"], (url, r.status_code)


def test_return_names_items_that_the_department_must_supply(api, people, submitted):
    r = api.post(f"/api/v1/submissions/{submitted.id}/return", people.office, json={"items": "letter"})
    assert r.status_code == 400 and r.json["field"] == "items"
    r = api.post(f"/api/v1/submissions/{submitted.id}/return", people.office, json={"items": ["nonsense"]})
    assert r.status_code in (400, 422) and r.json["error"] == "bad_return_item"
    r = api.post(f"/api/v1/submissions/{submitted.id}/return", people.office,
                 json={"items": ["explanation"], "reason": "请补充起草说明"})
    assert r.status_code == 200 and r.json["status"] == "returned"
    detail = api.get(f"/api/v1/submissions/{submitted.id}", people.dept).json
    assert detail["return_items"] == ["explanation"] and detail["return_reason"] == "请补充起草说明"
