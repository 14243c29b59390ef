"""The pages behind the workflow: ownership, uploads that lose nothing, every round's files."""
from __future__ import annotations

import io
import re

from review.extensions import db
from review.submissions.models import Status, Submission
from tests.docs import LETTER, REVISED_LINES, docx_bytes


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def test_department_submits_with_preview(client, auth, make, app):
    make.user("department", username="edu", department="教育局")
    make.user("office", username="office")
    auth.login("edu")
    response = client.post("/submissions/new", data={
        "title": "校园健康促进行动实施方案", "policy_type": "normative", "stage": "drafting",
        "letter": upload(LETTER, "公函.txt"), "draft": upload(docx_bytes(), "方案.docx"),
        "basis": [upload(b"basis one", "a.pdf"), upload(b"basis two", "b.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302 and "/submissions/staged/" in response.headers["Location"]
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "加强学校食堂食品安全管理" in preview  # the clauses the pipeline read
    assert "初筛" in preview
    assert db.session.scalar(db.select(db.func.count(Submission.id))) == 0  # nothing submitted yet
    done = client.post(response.headers["Location"], data={"action": "confirm"})
    sub = db.session.scalar(db.select(Submission))
    assert done.headers["Location"].endswith(f"/submissions/{sub.id}")
    assert sub.status is Status.submitted and len(sub.current_version.files) == 4
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "已提交" in page and "公函.txt" in page


def test_refused_draft_keeps_the_other_files(client, auth, make, app):
    make.user("department", username="edu", department="教育局")
    auth.login("edu")
    response = client.post("/submissions/new", data={
        "title": "方案", "policy_type": "normative", "letter": upload(LETTER, "公函.txt"),
        "draft": upload(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版.doc")},
        content_type="multipart/form-data")
    location = response.headers["Location"]
    preview = client.get(location).get_data(as_text=True)
    assert "另存为 .docx" in preview
    assert 'data-problem="draft"' in preview and "公函.txt" in preview
    assert re.search(r'value="confirm"[^>]*disabled', preview)
    client.post(location, data={"action": "update", "title": "方案", "policy_type": "normative",
                                "draft": upload(docx_bytes(), "方案.docx")}, content_type="multipart/form-data")
    preview = client.get(location).get_data(as_text=True)
    assert 'data-problem' not in preview and "公函.txt" in preview and "方案.docx" in preview
    client.post(location, data={"action": "confirm"})
    sub = db.session.scalar(db.select(Submission))
    assert {f.filename for f in sub.current_version.files} == {"公函.txt", "方案.docx"}


def test_missing_fields_are_named(client, auth, make):
    make.user("department", username="edu")
    auth.login("edu")
    page = client.post("/submissions/new", data={"title": "", "policy_type": "normative"},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "请填写政策名称" in page
    assert db.session.scalar(db.select(db.func.count(Submission.id))) == 0


def test_every_problem_is_named_at_once_and_the_files_stay_staged(client, auth, make):
    make.user("department", username="edu")
    auth.login("edu")
    form = client.get("/submissions/new").get_data(as_text=True)
    assert form.count('class="required"') >= 4  # title, type, letter and draft are marked
    response = client.post("/submissions/new", data={
        "title": "", "policy_type": "", "letter": upload(LETTER, "公函.txt"),
        "basis": [upload(b"basis", "a.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302 and "/submissions/staged/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    problems = set(re.findall(r'data-problem="(\w+)"', page))
    assert problems == {"title", "policy_type", "draft"}  # all at once, not one per submit
    assert "公函.txt" in page and "a.pdf" in page  # the chosen files were kept
    assert 'value="confirm" type="submit" disabled' in page
    # Fixing the fields and adding the draft on the same page completes it.
    done = client.post(response.headers["Location"], data={
        "action": "update", "title": "校园健康促进行动实施方案", "policy_type": "normative",
        "draft": upload(docx_bytes(), "方案.docx")}, content_type="multipart/form-data", follow_redirects=True)
    assert 'data-problem=' not in done.get_data(as_text=True)


def test_other_departments_and_experts_see_nothing(client, auth, loop):
    sub = loop["sub"]
    file_id = sub.current_version.files[0].id
    auth.login("env")  # another department
    for path in (f"/submissions/{sub.id}", f"/submissions/files/{file_id}", f"/submissions/{sub.id}/audit",
                 f"/submissions/{sub.id}/diff"):
        assert client.get(path).status_code == 404, path
    assert "校园健康促进行动实施方案" not in client.get("/submissions/").get_data(as_text=True)
    auth.logout()
    seated = {a.expert_id for a in sub.assignments}
    outsider = next(u for u in loop["experts"] if u.expert_id not in seated)
    auth.login(outsider.username)  # the expert who is not on the panel
    assert client.get(f"/submissions/files/{file_id}").status_code == 404
    a = sub.round_assignments()[0]
    assert client.get(f"/reviews/{a.id}").status_code == 404
    assert client.get(f"/office/submissions/{sub.id}").status_code == 403


def test_office_pages_show_panel_reasons_and_board(client, auth, loop):
    auth.login("office")
    sub = loop["sub"]
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "专家组" in page or "甲专家" in page
    board = client.get("/office/board").get_data(as_text=True)
    assert sub.title in board and "甲专家" in board or "乙专家" in board


def test_expert_review_page_and_opinion_form(client, auth, loop):
    sub = loop["sub"]
    a = sub.round_assignments()[0]
    auth.login(a.expert.user.username)
    page = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    clause = sub.current_version.clauses[7]
    assert clause.text in page and f'href="?clause={clause.id}#editor"' in page
    addressees = sub.current_version.clauses[0]
    assert addressees.kind == "addressees" and f"?clause={addressees.id}#" not in page  # not reviewable
    editor = client.get(f"/reviews/{a.id}?clause={clause.id}").get_data(as_text=True)
    assert f'name="clause_id" value="{clause.id}"' in editor
    # A plain form post (no script) saves one comment and comes back to the clause.
    response = client.post(f"/reviews/{a.id}/comments", data={"clause_id": clause.id, "text": "建议细化",
                                                              "suggestion": "明确供餐标准", "severity": "high"})
    assert response.headers["Location"].endswith(f"#clause-{clause.id}")
    # The page script posts the same form and reads JSON.
    other = sub.current_version.clauses[8]
    body = client.post(f"/reviews/{a.id}/comments", data={"clause_id": other.id, "text": "补充心理咨询"},
                       headers={"Accept": "application/json"}).get_json()
    assert body == {"clause_id": other.id, "comment": {"text": "补充心理咨询", "suggestion": "", "determinant": "",
                                                       "severity": "medium"}}
    bad = client.post(f"/reviews/{a.id}/comments", data={"clause_id": 999999, "text": "x"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "unknown_clause"
    client.post(f"/reviews/{a.id}/comments", data={"clause_id": other.id, "action": "delete"})
    db.session.expire_all()
    assert [(c.clause_id, c.text, c.severity.value) for c in a.opinion.comments] == [(clause.id, "建议细化", "high")]
    page = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    assert "我的逐条意见（1 条）" in page and "明确供餐标准" in page
    assert 'data-confirm="现在提交意见吗' in page  # the irreversible submit asks first
    # Submitting without a recommendation keeps what was typed and says what is missing.
    client.post(f"/reviews/{a.id}/opinion", data={"action": "submit", "summary": "新摘要"})
    db.session.expire_all()
    assert a.opinion.summary == "新摘要" and a.opinion.status.value == "draft"
    client.post(f"/reviews/{a.id}/opinion", data={"action": "submit", "summary": "新摘要", "recommendation": "modify",
                                                  "comment-general": "总体同意"})
    db.session.expire_all()
    assert a.opinion.status.value == "submitted" and a.opinion.recommendation.value == "modify"
    assert {(c.clause_id, c.text) for c in a.opinion.comments} == {(clause.id, "建议细化"), (None, "总体同意")}
    locked = client.post(f"/reviews/{a.id}/comments", data={"clause_id": clause.id, "text": "改"},
                         headers={"Accept": "application/json"})
    assert locked.status_code == 400 and locked.get_json()["error"] == "invalid_state"
    # After submitting: the overall texts stay readable, the clause list has no dead comment links.
    done = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    assert "总体同意" in done and "新摘要" in done
    assert 'class="card readonly" id="draft"' in done
    assert 'data-confirm=' not in done and 'name="action" value="submit"' not in done


def test_every_rounds_files_stay_reachable(client, auth, loop, app):
    from review.reviews import operations as rops
    from review.submissions import operations as sops
    from tests.workflow.conftest import fs

    sub = loop["sub"]
    for a in sub.round_assignments():
        rops.save_opinion(a.expert.user, a, {"recommendation": "modify", "summary": "需修改",
                                             "comments": [{"clause": sub.current_version.clauses[7].key, "text": "细化"}]},
                          submit=True)
    rops.decide(loop["office"], sub, "modify")
    db.session.commit()
    responses = {c.id: {"response": "adopted"} for c in sops.opinion_items(sub, 1)}
    staged = sops.stage_revision(loop["dept"], sub, draft=fs(docx_bytes(REVISED_LINES), "修改稿.docx"), responses=responses)
    sops.confirm_revision(loop["dept"], sub, staged)
    db.session.commit()
    auth.login("edu")
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "第 1 轮" in page or "Round 1" in page
    first_round_files = [f for f in sub.versions[0].files]
    for f in first_round_files + sub.versions[1].files:
        assert client.get(f"/submissions/files/{f.id}").status_code == 200
    diff = client.get(f"/submissions/{sub.id}/diff").get_data(as_text=True)
    assert "禁止供应含糖饮料" in diff


def test_batch_assignment_in_the_browser(client, auth, app, make):
    """Several accepted drafts get their panels at once, within the experts' loads."""
    from review.experts.models import Expert
    from review.submissions import operations as sops
    from review.reviews.models import Assignment
    from tests.workflow.conftest import EXPERTS, fs

    dept = make.user("department", username="edu", department="教育局")
    office = make.user("office", username="office")
    for name, domains, expertise in EXPERTS + [("戊专家", ["school_health"], "学校卫生监督"),
                                               ("己专家", ["nutrition_food"], "营养配餐")]:
        db.session.add(Expert(name=name, domains=domains, expertise=expertise, max_load=1))
    db.session.commit()
    subs = []
    for title in ("方案一", "方案二"):
        staged = sops.stage_submission(dept, {"title": title, "policy_type": "normative"},
                                       draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
        sub = sops.confirm_submission(dept, staged)
        sops.accept_submission(office, sub)
        subs.append(sub)
    db.session.commit()
    auth.login("office")
    page = client.get("/office/batch").get_data(as_text=True)
    ids = {s.id: re.findall(rf'name="experts-{s.id}" value="(\d+)"', page) for s in subs}
    assert all(len(v) == 3 for v in ids.values())
    assert not set(ids[subs[0].id]) & set(ids[subs[1].id])  # max load 1: nobody sits twice
    form = {f"experts-{sid}": v for sid, v in ids.items()}
    posted = client.post("/office/batch", data={**form, "due": "2099-01-01"})
    db.session.expire_all()
    assert all(db.session.get(Submission, s.id).status is Status.under_review for s in subs)
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 6
    # The invitations went out in a background job; the page reports it when it is done.
    from review.jobs.models import Job

    job = db.session.scalar(db.select(Job).where(Job.kind == "batch_assign"))
    assert job.status.value == "done" and sorted(job.result["invited"]) == sorted(s.id for s in subs)
    assert "已为 2 件送审件发出专家组邀请" in client.get(posted.headers["Location"]).get_data(as_text=True)


def test_page_and_api_agree_on_whose_opinions_an_expert_reads(client, auth, loop, app, make):
    """A committee that opens peer review lets an expert read the other opinions of the rounds they
    sit in; an expert added in round 2 reads none of round 1's, in the page and in the API alike."""
    from review.accounts.operations import create_token
    from review.audit.models import CommitteeSetting
    from review.permissions import can_view_opinions
    from review.reviews import operations as rops
    from review.submissions import operations as sops
    from tests.workflow.conftest import fs

    sub = loop["sub"]
    for a in sub.round_assignments():
        rops.save_opinion(a.expert.user, a, {"recommendation": "modify", "summary": f"第一轮{a.id}"}, submit=True)
    rops.decide(loop["office"], sub, "modify")
    db.session.commit()
    staged = sops.stage_revision(loop["dept"], sub, draft=fs(docx_bytes(REVISED_LINES), "修改稿.docx"),
                                 responses={})
    sops.confirm_revision(loop["dept"], sub, staged)
    newcomer = make.user("expert", username="newcomer", expert_name="戊专家", domains=["school_health"])
    rops.assign_experts(loop["office"], sub, [newcomer.expert_id], loop["due"])
    db.session.add(CommitteeSetting(id=1, name="", experts_see_peers=True, anonymise_panel=False))
    db.session.commit()
    assert sub.current_round == 2
    assert not can_view_opinions(newcomer, sub, 1) and can_view_opinions(newcomer, sub, 2)
    token = create_token("newcomer")
    db.session.commit()
    with app.app_context():
        body = client.get(f"/api/v1/submissions/{sub.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert not any(o["summary"].startswith("第一轮") for o in body["opinions"])


def test_office_sees_the_department_note_and_what_it_asked_for(client, auth, make, app):
    from review.submissions import operations as sops
    from tests.workflow.conftest import fs

    dept = make.user("department", username="edu", department="教育局")
    office = make.user("office", username="office")
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative",
                                          "note": "请优先审查食堂条款"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    db.session.commit()
    auth.login("office")
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "请优先审查食堂条款" in page and "部门说明" in page
    client.post(f"/office/submissions/{sub.id}/return", data={"missing": ["basis"], "reason": "补充调研报告"})
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "补充调研报告" in page and "要求补正" in page


def test_office_detail_words_exclusions_without_english(client, auth, make, app):
    from review.submissions import operations as sops
    from tests.workflow.conftest import fs

    dept = make.user("department", username="edu", department="教育局")
    office = make.user("office", username="office")
    make.user("expert", username="e1", expert_name="甲专家", domains=["school_health"], expertise="学校卫生")
    conflicted = make.user("expert", username="e2", expert_name="乙专家", domains=["school_health"], expertise="学校卫生")
    conflicted.expert.affiliation = "滨海新区教育局教研室"
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    sops.accept_submission(office, sub)
    db.session.commit()
    auth.login("office")
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "乙专家" in page and "隶属于" in page and "belongs to" not in page


def test_the_department_is_named_the_same_everywhere(client, auth, loop):
    sub = loop["sub"]
    sub.department.full_name = "滨海新区教育局"
    db.session.commit()
    a = sub.round_assignments()[0]
    pages = {"office": ["/office/?status=under_review", f"/office/submissions/{sub.id}", "/office/board"],
             a.expert.user.username: ["/reviews/", f"/reviews/{a.id}"], "edu": [f"/submissions/{sub.id}"]}
    for username, paths in pages.items():
        auth.login(username)
        for path in paths:
            page = client.get(path).get_data(as_text=True)
            assert "滨海新区教育局" in page, path
            assert not re.search(r">\s*教育局\s*<", page), path
        auth.logout()
