"""The 初筛表 as a document: DOCX/PDF export, the office's edits until final, audit, old data."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document

from review.extensions import db
from review.screening import operations as ops
from tests.decision.conftest import NEW_LINES, submit_draft


@pytest.fixture
def submitted(app, make):
    from review.submissions import operations as sops

    dept = make.user("department", username="edu", department="教育局")
    other = make.user("department", username="env", department="生态环境局")
    office = make.user("office", username="office")
    sub = submit_draft(sops, dept, "关于加强中小学校园健康管理的通知", NEW_LINES)
    db.session.commit()
    return {"dept": dept, "other": other, "office": office, "sub": sub}


def _docx_text(data: bytes) -> tuple[dict[str, str], list[list[str]], str]:
    doc = Document(io.BytesIO(data))
    header = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    questions = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    return header, questions, "\n".join(p.text for p in doc.paragraphs)


def test_department_downloads_the_form_as_docx_after_submitting(submitted, client, auth):
    sub = submitted["sub"]
    auth.login("edu")
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert f"/screening/{sub.id}/form.docx" in page and f"/screening/{sub.id}/form.pdf" in page
    resp = client.get(f"/screening/{sub.id}/form.docx")
    assert resp.status_code == 200 and resp.mimetype.endswith("wordprocessingml.document")
    header, questions, text = _docx_text(resp.data)
    assert list(header) == ["评估对象名称", "发布/实施类别", "起草部门", "提交人/电话", "初筛日期", "初筛方法", "涉及的相关部门"]
    assert header["评估对象名称"] == sub.title
    assert header["发布/实施类别"].startswith("规范性文件")
    assert header["起草部门"] == sub.department.full_name
    assert header["提交人/电话"] == "张三 / 022-12345678"
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", header["初筛日期"])
    assert header["初筛方法"].startswith("系统自动初筛")
    system = sub.current_version.screening["questions"]
    assert len(questions) == len(system) + 1
    assert [row[2] for row in questions[1:]] == [q["answer"] for q in system]
    assert "初筛结论" in text and "初筛人（签字）" in text and "复核人（签字）" in text
    assert "本表尚未定稿" in text


def test_pdf_export_carries_the_header_and_the_level(submitted, client, auth):
    from pdfminer.high_level import extract_text

    sub = submitted["sub"]
    auth.login("office")
    resp = client.get(f"/screening/{sub.id}/form.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    text = re.sub(r"\s+", "", extract_text(io.BytesIO(resp.data)))
    assert "健康影响评估初筛表" in text and "评估对象名称" in text and "涉及的相关部门" in text
    facts = ops.form_facts(sub, sub.current_version)
    assert re.sub(r"\s+", "", facts["level_text"]) in text
    assert "委员会办公室（盖章）" in text


def test_other_departments_cannot_download(submitted, client, auth):
    auth.login("env")
    assert client.get(f"/screening/{submitted['sub'].id}/form.docx").status_code == 404
    assert client.get(f"/screening/{submitted['sub'].id}/form.xlsx").status_code == 404


def test_office_edits_answers_and_reasons_with_an_audit_record(submitted, client, auth):
    from review.audit.models import AuditEvent

    sub = submitted["sub"]
    q1 = sub.current_version.screening["questions"][0]
    flipped = "否" if q1["answer"] != "否" else "是"
    auth.login("office")
    assert client.get(f"/screening/{sub.id}/edit").status_code == 200
    resp = client.post(f"/screening/{sub.id}/edit", data={
        f"answer-{q1['id']}": flipped, f"reasons-{q1['id']}": "第一条 加强食堂管理 → 食源性疾病 → 学生",
        "impact_level": "major", "related_departments": "市场监管局 卫生健康委", "action": "save"})
    assert resp.status_code == 302
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "edit_screening"))
    assert event.data["questions"][q1["id"]] == {"from": q1["answer"], "to": flipped}
    assert event.actor_id == submitted["office"].id
    # the system's own answers are kept for calibration
    db.session.expire_all()
    assert sub.current_version.screening["questions"][0]["answer"] == q1["answer"]
    header, questions, text = _docx_text(client.get(f"/screening/{sub.id}/form.docx").data)
    assert questions[1][2] == flipped and "加强食堂管理 → 食源性疾病 → 学生" in questions[1][3]
    assert header["初筛方法"] == "系统自动初筛，经委员会办公室复核"
    assert header["涉及的相关部门"] == "市场监管局 卫生健康委"
    assert "重大健康影响" in text
    audit = client.get(f"/submissions/{sub.id}/audit").get_data(as_text=True)
    assert "edit_screening" not in audit  # shown by its label, not its code


def test_final_form_can_no_longer_be_edited(submitted, client, auth):
    sub = submitted["sub"]
    q1 = sub.current_version.screening["questions"][0]
    auth.login("office")
    client.post(f"/screening/{sub.id}/edit", data={f"answer-{q1['id']}": q1["answer"], "action": "finalise"})
    page = client.post(f"/screening/{sub.id}/edit", data={f"answer-{q1['id']}": "不知道", "action": "save"},
                       follow_redirects=True).get_data(as_text=True)
    assert 'name="answer-' not in page  # no editable controls
    db.session.expire_all()
    assert ops.form_of(sub.current_version).questions[0]["answer"] == q1["answer"]
    _, _, text = _docx_text(client.get(f"/screening/{sub.id}/form.docx").data)
    assert "本表尚未定稿" not in text


def test_review_start_makes_the_form_final(submitted):
    from review.reviews.common import ReviewError
    from review.submissions.models import Status

    sub = submitted["sub"]
    sub.status = Status.under_review
    with pytest.raises(ReviewError) as exc:
        ops.edit_form(submitted["office"], sub, {"answers": {}})
    assert exc.value.code == "screening_final"
    with pytest.raises(ReviewError) as exc:
        ops.edit_form(submitted["dept"], sub, {"answers": {}})
    assert exc.value.code == "forbidden"  # a department never edits it


def test_bad_input_gets_a_specific_message(submitted, client, auth):
    sub = submitted["sub"]
    q1 = sub.current_version.screening["questions"][0]
    auth.login("office")
    page = client.post(f"/screening/{sub.id}/edit", data={f"answer-{q1['id']}": "maybe", "action": "save"},
                       follow_redirects=True)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and ops.form_of(sub.current_version) is None
    assert "初筛答案只能为“是”“不知道”或“否”。" in body
    page = client.post(f"/screening/{sub.id}/edit", data={"impact_level": "huge", "action": "save"},
                       follow_redirects=True)
    assert page.status_code == 200 and ops.form_of(sub.current_version) is None
    assert 'class="flash flash-error"' in page.get_data(as_text=True)


def test_contract_reasons_and_old_data_both_print(submitted):
    sub = submitted["sub"]
    version = sub.current_version
    clause = version.clauses[1]
    questions = [{"id": f"Q{i}", "topic": f"问题{i}", "answer": "否", "evidence": []} for i in range(1, 11)]
    questions[5] = {"id": "Q6", "topic": "健康环境", "answer": "是", "evidence": [clause.key],
                    "reasons": [{"clause_id": clause.key, "citation": "", "determinant": "food.food_safety",
                                 "outcome": "学生", "text": "加强食堂管理 → 食品安全 → 学生"}]}
    version.screening = {"questions": questions, "impact_level": "minor", "major_impact": False}
    db.session.flush()
    facts = ops.form_facts(sub, version)
    q6 = facts["questions"][5]
    assert q6["reasons"][0]["citation"].startswith(clause.path.split("/")[0])
    assert facts["level"] == "minor" and "轻微" in facts["level_text"]
    # old data: no reasons, no impact_level: evidence clauses cited, level derived from major_impact
    old = [{k: v for k, v in q.items() if k != "reasons"} for q in questions]
    version.screening = {"questions": old, "major_impact": True}
    db.session.flush()
    facts = ops.form_facts(sub, version)
    assert facts["level"] == "major" and facts["questions"][5]["reasons"][0]["clause_id"] == clause.key
    from review.screening.render_docx import render_docx

    assert render_docx(facts)[:2] == b"PK"
