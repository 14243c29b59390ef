"""Return for completion: the office names the missing items, the department gets an upload slot
for each and cannot resubmit without one of them."""
from __future__ import annotations

import io

from review.extensions import db
from review.submissions.models import FileKind, Status
from tests.docs import LETTER, docx_bytes


def _submitted(make):
    from review.submissions import operations as sops
    from tests.workflow.conftest import fs

    dept = make.user("department", username="edu", department="教育局")
    make.user("office", username="office")
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    db.session.commit()
    return sub


def test_office_asks_for_items_and_the_department_must_upload_each(client, auth, make, app):
    sub = _submitted(make)
    auth.login("office")
    form = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert 'name="missing" value="explanation"' in form and 'name="missing" value="basis"' in form
    client.post(f"/office/submissions/{sub.id}/return",
                data={"missing": ["explanation", "basis"], "reason": "请补充调研报告"})
    db.session.refresh(sub)
    assert sub.status is Status.returned and sub.return_items == ["basis", "explanation"]
    office_page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    asked = office_page.split('class="return-reason"')[1].split("</dd>")[0]
    assert "起草说明" in asked and "依据材料" in asked and "请补充调研报告" in asked
    auth.logout()

    auth.login("edu")
    page = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert 'name="item-explanation"' in page and "起草说明" in page.split('id="completion"')[1]
    assert 'name="item-consultation"' not in page  # only what was asked gets a slot of its own
    # Without the explanation: refused, with a message naming the missing item, nothing changes.
    response = client.post(f"/submissions/{sub.id}/complete", data={
        "basis": [(io.BytesIO(b"%PDF-1.4 basis"), "调研报告.pdf")], "note": "已补充"},
        content_type="multipart/form-data", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "委员会办公室要求补交起草说明" in text and "依据材料，请在对应栏目" not in text
    db.session.refresh(sub)
    assert sub.status is Status.returned
    # Neither item: both named at once.
    text = client.post(f"/submissions/{sub.id}/complete", data={"note": "已补充"},
                       follow_redirects=True).get_data(as_text=True)
    assert "要求补交起草说明" in text and "要求补交依据材料" in text
    # Both: accepted, and both files join the round.
    response = client.post(f"/submissions/{sub.id}/complete", data={
        "basis": [(io.BytesIO(b"%PDF-1.4 basis"), "调研报告.pdf")],
        "item-explanation": [(io.BytesIO(b"%PDF-1.4 why"), "起草说明.pdf")], "note": "已补充"},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(sub)
    assert sub.status is Status.submitted and sub.return_items == []
    names = {f.filename for f in sub.current_version.files if f.kind is FileKind.basis}
    assert names == {"调研报告.pdf", "起草说明.pdf"}


def test_return_refuses_an_unknown_item(client, auth, make, app):
    sub = _submitted(make)
    auth.login("office")
    text = client.post(f"/office/submissions/{sub.id}/return", data={"missing": ["Basis documents"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "请从列表中选择需补正的材料" in text
    db.session.refresh(sub)
    assert sub.status is Status.submitted


def test_english_office_reads_the_items_in_english(client, auth, make, app):
    sub = _submitted(make)
    auth.login("office")
    client.post(f"/office/submissions/{sub.id}/return", data={"missing": ["letter"], "reason": "公函未盖章"})
    with client.session_transaction() as s:
        s["locale"] = "en"
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    asked = page.split('class="return-reason"')[1].split("</dd>")[0]
    assert "Official letter" in asked and "公函" not in asked.replace("公函未盖章", "")
