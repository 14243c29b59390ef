"""Control characters at the boundaries: refused or cleaned with a message, never a 500, and one
bad stored value (an address, a comment) does not block anyone else's work (issue #10 §2)."""
from __future__ import annotations

from pathlib import Path

from review.audit.models import Notification
from review.extensions import db
from review.submissions.models import Submission
from tests.docs import LETTER, docx_bytes
from tests.workflow.conftest import fs


def _files():
    import io

    return {"draft": (io.BytesIO(docx_bytes()), "方案.docx"), "letter": (io.BytesIO(LETTER), "公函.txt")}


def test_title_with_line_breaks_gets_a_message_not_a_500(app, client, auth, make):
    dept = make.user("department", username="edu", email="edu@example.cn")
    make.user("office", username="office", email="office@example.cn")
    dept.locale = "en"
    db.session.commit()
    auth.login("edu")
    for title in ("方案\r\nBcc: x@example.cn", "方案\x0b标题", "方案\n标题"):
        r = client.post("/submissions/new", data={"title": title, "policy_type": "normative", **_files()},
                        content_type="multipart/form-data")
        if r.status_code == 302:  # the old code staged it: confirming then failed with a 500
            r = client.post(r.headers["Location"], data={"action": "confirm"})
        assert r.status_code == 200, (title, r.status_code)
        assert b"Title must be a single line" in r.data
    assert db.session.scalar(db.select(db.func.count(Submission.id))) == 0


def test_title_with_line_break_via_api_is_a_400_naming_the_field(app, client, make):
    import io

    from review.accounts.operations import create_token

    make.user("department", username="edu")
    make.user("office", username="office", email="office@example.cn")
    token = create_token("edu")
    db.session.commit()
    r = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                    data={"title": "方案\r\n", "policy_type": "normative", "draft": (io.BytesIO(b"x"), "a.txt"),
                          "letter": (io.BytesIO(LETTER), "公函.txt")}, content_type="multipart/form-data")
    # A trailing CRLF is trimmed like any whitespace; an inner one is refused.
    assert r.status_code != 500
    r = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                    data={"title": "方案\r\n标题", "policy_type": "normative",
                          "draft": (io.BytesIO(docx_bytes()), "方案.docx"),
                          "letter": (io.BytesIO(LETTER), "公函.txt")}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"] == "text_line_break" and r.json["field"] == "title"


def test_an_office_address_with_crlf_does_not_block_submissions(app, make):
    """An address stored before validation existed: its mail is skipped, everyone else's work goes on."""
    from review.submissions import operations as sops

    dept = make.user("department", username="edu")
    make.user("office", username="good", email="good@example.cn")
    bad = make.user("office", username="bad")
    bad.email = "bad@example.cn\r\nBcc: everyone@example.cn"  # as a raw INSERT would leave it
    db.session.commit()
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    db.session.commit()
    assert db.session.get(Submission, sub.id) is not None
    notified = {n.user_id for n in db.session.scalars(db.select(Notification))}
    assert bad.id in notified  # the in-app notification still reaches the user
    mails = [p.read_bytes() for p in Path(app.config["OUTBOX_DIR"]).glob("*.eml")]
    assert len(mails) == 1 and b"good@example.cn" in mails[0] and b"everyone@" not in mails[0]


def test_expert_comment_controls_are_cleaned(app, loop):
    from review.reviews import operations as rops

    sub, expert = loop["sub"], loop["experts"][0]
    seat = next(a for a in sub.round_assignments() if a.expert_id == expert.expert_id)
    clause = sub.current_version.clauses[2]
    opinion = rops.save_opinion(expert, seat, {
        "recommendation": "modify", "summary": "同意\x1b[0m\x00",
        "comments": [{"clause": clause.key, "text": "建议\x1b修改\x00", "suggestion": "删去\u200b", "severity": "low"}],
    }, submit=True)
    db.session.commit()
    assert opinion.summary == "同意[0m"
    assert (opinion.comments[0].text, opinion.comments[0].suggestion) == ("建议修改", "删去")
