"""Stored text the sheet draws, and two office users deciding at once (issue #10 §2)."""
from __future__ import annotations

from review.extensions import db
from review.reviews.models import Decision
from review.sheets import operations as ops
from review.sheets.models import OpinionSheet
from review.submissions.models import Submission
from tests.concurrency import run_at_once
from tests.docs import DRAFT_LINES
from tests.sheets.builders import quick_user


def test_stored_control_characters_do_not_stop_the_sheet(app, committee):
    """A comment stored before validation existed (ESC, NUL): the sheet is still issued and drawn."""
    from docx import Document

    from review.reviews.models import ClauseComment

    decision = committee.decided("approve")
    for c in db.session.scalars(db.select(ClauseComment)):
        c.text = c.text + "\x1b[31m\x00"
    decision.submission.title += "\x0b"
    db.session.commit()
    sheet, code = ops.issue_sheet(committee.office, decision)
    db.session.commit()
    doc = Document(ops.sheet_path(sheet.docx_key))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert code and "总体可行[31m" in text and "\x1b" not in text and "\x00" not in str(sheet.facts)
    assert ops.sheet_path(sheet.pdf_key).read_bytes().startswith(b"%PDF")


def _in_deliberation(committee) -> Submission:
    sub = Submission(title="校园健康促进行动实施方案", department_id=committee.dept.department_id,
                     policy_type="normative", created_by_id=committee.dept.id)
    db.session.add(sub)
    committee.add_round(sub, DRAFT_LINES, 1)
    db.session.commit()
    return sub


def test_two_office_users_deciding_at_once_via_api(app, committee):
    """Exactly one decision and one sheet; the loser gets 409 already_decided, not a 500."""
    from review.accounts.operations import create_token

    sub = _in_deliberation(committee)
    quick_user("office-two", "office")
    tokens = [create_token("s-office"), create_token("office-two")]
    db.session.commit()

    def attempt(token, barrier):
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/v1/submissions/{sub.id}/decision", json={"conclusion": "approve"},
                        headers={"Authorization": f"Bearer {token}"})
        return r.status_code, r.get_json()

    results, errors = run_at_once(app, attempt, tokens)
    assert not errors, errors
    assert sorted(status for status, _ in results) == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"] == "already_decided"
    assert db.session.scalar(db.select(db.func.count(Decision.id))) == 1
    assert db.session.scalar(db.select(db.func.count(OpinionSheet.id))) == 1


def test_the_late_decider_on_the_page_gets_a_flash_message(app, client, auth, committee):
    from review.reviews import operations as rops

    sub = _in_deliberation(committee)
    other = quick_user("office-two", "office")
    other.locale = "en"
    db.session.commit()
    auth.login("office-two")
    page = client.get(f"/office/submissions/{sub.id}/decide")  # the form is open in the browser
    assert page.status_code == 200
    rops.decide(committee.office, sub, "approve")  # a colleague decides first
    db.session.commit()
    r = client.post(f"/office/submissions/{sub.id}/decide", data={"conclusion": "reject", "reason": "理由"})
    assert r.status_code == 302
    assert b"Another office user has just recorded the decision" in client.get(r.headers["Location"]).data
    assert [d.conclusion.value for d in db.session.get(Submission, sub.id).decisions] == ["approve"]
