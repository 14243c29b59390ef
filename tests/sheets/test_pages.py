"""The sheet and verification pages, the API, access control, rate limiting, and the key's secrecy."""
from __future__ import annotations

import io
import logging
import os
import re
import stat
from pathlib import Path
from urllib.parse import quote

from flask import g

from review.extensions import db
from review.sheets import operations as ops
from review.sheets import signing
from review.sheets.models import LegalityIntake
from tests.docs import REVISED_LINES, docx_bytes


def url(serial: str) -> str:
    return quote(serial, safe="")


def test_prepare_edit_and_issue(app, client, auth, committee):
    decision = committee.decided("approve")
    auth.login(committee.office.username)
    page = client.get(f"/sheets/prepare/{decision.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "禁止供应含糖饮料" in html and "审查同意" in html and "s甲专家" in html
    form = {"items-0-clause_path": "总体意见", "items-0-opinion": "", "items-0-suggestion": "",
            "items-1-clause_path": "二/（一）", "items-1-opinion": "改写后的意见", "items-1-suggestion": "改写后的建议"}
    issued = client.post(f"/sheets/prepare/{decision.id}", data=form, follow_redirects=True)
    assert issued.status_code == 200
    sheet = ops.sheet_of_decision(decision)
    [item] = sheet.facts["items"]
    assert {k: item[k] for k in ("clause_path", "opinion", "suggestion")} == {
        "clause_path": "二/（一）", "opinion": "改写后的意见", "suggestion": "改写后的建议"}
    assert item["quote"].startswith("加强学校食堂")  # the clause's first words, printed with its citation
    body = issued.get_data(as_text=True)
    code = re.search(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b", body).group(0)
    assert sheet.code_hash == ops.hash_code(code)  # the code is shown once, after issuing
    again = client.get(f"/sheets/{url(sheet.serial)}").get_data(as_text=True)
    assert code not in again and "qr.png" in again
    assert client.get(f"/sheets/{url(sheet.serial)}/qr.png").mimetype == "image/png"
    # A second click gives the same sheet.
    client.post(f"/sheets/prepare/{decision.id}", data=form)
    assert db.session.scalar(db.select(db.func.count()).select_from(type(sheet))) == 1
    assert client.get(f"/sheets/prepare/{decision.id}").status_code == 302


def test_downloads_access_control(app, client, auth, issued):
    committee, sheet, _ = issued
    other = committee.other_department("other-dept", "卫健委")
    base = f"/sheets/{url(sheet.serial)}/download"
    assert client.get(f"{base}/pdf").status_code == 302  # anonymous: to the login page
    expected = {committee.office: 200, committee.dept: 200, committee.justice: 200, other: 403, committee.admin: 403}
    for user, status in expected.items():
        auth.login(user.username)
        for fmt in ("pdf", "docx"):
            response = client.get(f"{base}/{fmt}")
            assert response.status_code == status, (user.username, fmt)
        if status == 200:
            assert client.get(f"{base}/pdf").data.startswith(b"%PDF")
        auth.logout()
    auth.login(committee.dept.username)
    assert client.get("/sheets/%E5%81%A5%E5%AE%A1/download/pdf").status_code == 404
    assert client.get(f"{base}/exe").status_code == 404


def test_api_downloads_access_control(app, client, issued):
    from review.accounts.operations import create_token

    committee, sheet, _ = issued
    other = committee.other_department("other-dept", "卫健委")

    def token(user):
        plain = create_token(user.username, "t")
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    def get(headers=None):
        # The app fixture keeps one app context for the whole test, so flask-login's per-request
        # user cache (g._login_user) would outlive the request: clear it as a new request would.
        g.pop("_login_user", None)
        return client.get(path, headers=headers or {})

    path = f"/api/v1/sheets/{url(sheet.serial)}/pdf"
    assert get().status_code == 401
    assert get(token(committee.dept)).data.startswith(b"%PDF")
    assert get(token(committee.justice)).status_code == 200
    assert get(token(other)).status_code == 403
    assert get(token(committee.admin)).status_code == 403


def test_public_verification_page(app, client, issued):
    _, sheet, code = issued
    ok = client.get(f"/verify/{url(sheet.serial)}?code={code}")
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and 'data-valid="1"' in html
    assert "审查同意" in html and "有效" in html and sheet.facts["draft_sha256"] in html
    wrong = client.get(f"/verify/{url(sheet.serial)}?code=AAAA-BBBB-CCCC")
    unknown = client.get(f"/verify/{url('健审〔2026〕第99号')}?code={code}")
    assert wrong.status_code == unknown.status_code == 404
    verdict = lambda r: r.get_data(as_text=True).split('id="verdict"')[1].split("</div>")[0]  # noqa: E731
    assert verdict(wrong) == verdict(unknown) and "审查同意" not in wrong.get_data(as_text=True)
    form = client.post("/verify/", data={"serial": sheet.serial, "code": code})
    assert form.status_code == 302 and "code=" in form.location


def test_public_draft_and_pdf_upload(app, client, issued):
    committee, sheet, code = issued
    same = client.post(f"/verify/{url(sheet.serial)}/draft",
                       data={"code": code, "draft": (io.BytesIO(committee.data), "方案.docx")})
    assert 'data-matches="1"' in same.get_data(as_text=True)
    changed = client.post(f"/verify/{url(sheet.serial)}/draft",
                          data={"code": code, "draft": (io.BytesIO(docx_bytes(REVISED_LINES)), "改.docx")})
    html = changed.get_data(as_text=True)
    assert 'data-matches="0"' in html and "禁止供应含糖饮料，减少高盐高糖高脂食品供应" in html
    refused = client.post(f"/verify/{url(sheet.serial)}/draft",
                          data={"code": "WRONG", "draft": (io.BytesIO(committee.data), "方案.docx")})
    assert refused.status_code == 404 and "data-matches" not in refused.get_data(as_text=True)
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    checked = client.post("/verify/pdf", data={"sheet": (io.BytesIO(pdf), "sheet.pdf")})
    assert 'data-authentic="1"' in checked.get_data(as_text=True)


def test_api_verify_and_check_draft(app, client, issued):
    committee, sheet, code = issued
    body = client.get(f"/api/v1/sheets/{url(sheet.serial)}?code={code}").get_json()
    assert body["valid"] is True and body["status"] == "valid" and body["conclusion"] == "approve"
    assert body["title"] == "校园健康促进行动实施方案" and body["department"] == "教育局"
    assert body["draft_sha256"] == sheet.facts["draft_sha256"] and body["superseded_by"] is None
    assert set(body) >= {"valid", "status", "conclusion", "title", "department", "issued_at", "draft_sha256",
                         "text_sha256", "superseded_by"}
    wrong = client.get(f"/api/v1/sheets/{url(sheet.serial)}?code=AAAA-BBBB-CCCC")
    unknown = client.get(f"/api/v1/sheets/{url('健审〔2026〕第99号')}?code={code}")
    assert wrong.status_code == unknown.status_code == 404 and wrong.get_json() == unknown.get_json()
    check = client.post(f"/api/v1/sheets/{url(sheet.serial)}/check-draft",
                        data={"code": code, "draft": (io.BytesIO(docx_bytes(REVISED_LINES)), "改.docx")})
    result = check.get_json()
    assert check.status_code == 200 and result["matches"] is False
    assert [c["path"] for c in result["changed_clauses"]] and all({"path", "before", "after"} <= set(c)
                                                                   for c in result["changed_clauses"])
    same = client.post(f"/api/v1/sheets/{url(sheet.serial)}/check-draft",
                       data={"code": code, "draft": (io.BytesIO(committee.data), "a.docx")}).get_json()
    assert same == {"matches": True, "by": "file", "sha256": sheet.facts["draft_sha256"],
                    "text_sha256": sheet.facts["text_sha256"], "changed_clauses": []}
    assert client.post(f"/api/v1/sheets/{url(sheet.serial)}/check-draft", data={"code": "X"}).status_code == 404


def test_rate_limit_on_verification(tmp_path, monkeypatch):
    from review import create_app

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
                      "VERIFY_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        serial = url("健审〔2026〕第1号")
        assert client.get(f"/verify/{serial}?code=A").status_code == 404
        assert client.get(f"/api/v1/sheets/{serial}?code=B").status_code == 404
        assert client.get(f"/verify/{serial}?code=C").status_code == 404
        assert client.get(f"/api/v1/sheets/{serial}?code=D").status_code == 429  # one budget for both
        assert client.get(f"/verify/{serial}?code=E").status_code == 429
        other = client.get(f"/verify/{serial}?code=F", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert other.status_code == 404  # per client address
        assert client.get("/verify/").status_code == 200  # the form itself is not limited
        db.session.remove()
        db.drop_all()


def test_key_file_is_private_and_never_leaks(app, client, auth, committee, caplog):
    caplog.set_level(logging.DEBUG)
    decision = committee.decided("approve")
    auth.login(committee.office.username)
    client.post(f"/sheets/prepare/{decision.id}", data={})
    sheet = ops.sheet_of_decision(decision)
    key_dir = Path(app.config["KEY_DIR"])
    private = key_dir / signing.PRIVATE_NAME
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    pem = private.read_bytes()
    secret_lines = [line for line in pem.decode().splitlines() if "-----" not in line]
    from cryptography.hazmat.primitives import serialization

    raw = signing.load_keypair(key_dir).private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    secrets = secret_lines + [raw.hex(), __import__("base64").b64encode(raw).decode()]
    responses = [client.get("/verify/public-key.pem"), client.get(f"/sheets/{url(sheet.serial)}"),
                 client.get(f"/sheets/{url(sheet.serial)}/download/pdf"),
                 client.get(f"/sheets/{url(sheet.serial)}/download/docx"),
                 client.get(f"/api/v1/sheets/{url(sheet.serial)}?code=X"), client.get("/verify/")]
    assert b"PUBLIC KEY" in responses[0].data and b"PRIVATE" not in responses[0].data
    for secret in secrets:
        assert secret not in caplog.text
        for r in responses:
            assert secret.encode() not in r.data
        assert secret not in repr(signing.load_keypair(key_dir))


def test_register_filters_and_intake(app, client, auth, committee):
    approved, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="控烟方案"))
    modify, _ = ops.issue_sheet(committee.office, committee.decided("modify", title="食堂管理办法"))
    db.session.commit()
    auth.login(committee.justice.username)
    every = client.get("/verify/register").get_data(as_text=True)
    assert "控烟方案" in every and "食堂管理办法" in every
    only = client.get("/verify/register?conclusion=approve").get_data(as_text=True)
    assert "控烟方案" in only and "食堂管理办法" not in only
    assert "食堂管理办法" in client.get("/verify/register?q=食堂").get_data(as_text=True)
    assert "控烟方案" not in client.get("/verify/register?q=食堂").get_data(as_text=True)
    assert "控烟方案" not in client.get("/verify/register?status=revoked").get_data(as_text=True)
    assert "控烟方案" in client.get(f"/verify/register?department=教育局&year={approved.year}").get_data(as_text=True)
    app.config["PAGE_SIZE"] = 1
    assert "?page=2" in client.get("/verify/register").get_data(as_text=True).replace("&amp;", "&") or \
        "page=2" in client.get("/verify/register").get_data(as_text=True)
    response = client.post(f"/verify/sheets/{url(approved.serial)}/intake",
                           data={"received_on": "2026-01-05", "outcome": "accepted", "note": "材料齐全",
                                 "draft_matches": "1"})
    assert response.status_code == 302
    intake = db.session.scalar(db.select(LegalityIntake))
    assert (intake.sheet_id, intake.outcome, intake.note, intake.draft_matches) == (approved.id, "accepted", "材料齐全", True)
    # A sheet that does not allow legality review cannot be "accepted".
    client.post(f"/verify/sheets/{url(modify.serial)}/intake", data={"received_on": "2026-01-05", "outcome": "accepted"})
    assert db.session.scalar(db.select(db.func.count(LegalityIntake.id))) == 1
    auth.logout()
    auth.login(committee.dept.username)
    assert client.get("/verify/register").status_code == 403


def test_admin_revokes_from_the_sheet_page(app, client, auth, issued):
    committee, sheet, code = issued
    auth.login(committee.admin.username)
    page = client.get(f"/sheets/{url(sheet.serial)}").get_data(as_text=True)
    assert 'data-confirm="确定撤销本意见书吗' in page  # asks before an irreversible step
    client.post(f"/sheets/{url(sheet.serial)}/revoke", data={"reason": "程序违规"})
    db.session.refresh(sheet)
    assert sheet.status.value == "revoked" and sheet.revoked_reason == "程序违规"
    from review.audit.models import Notification

    told = {n.user_id for n in db.session.scalars(db.select(Notification).where(Notification.kind == "sheet.revoke"))}
    assert {committee.dept.id, committee.justice.id} <= told and committee.office.id not in told
    auth.logout()
    auth.login(committee.dept.username)
    page = client.get(f"/sheets/{url(sheet.serial)}").get_data(as_text=True)
    assert 'id="revoked-banner"' in page and "程序违规" in page and "不得再作为依据" in page
    auth.logout()
    auth.login(committee.office.username)
    assert client.post(f"/sheets/{url(sheet.serial)}/revoke", data={"reason": "x"}).status_code == 403
    assert client.get(f"/api/v1/sheets/{url(sheet.serial)}?code={code}").get_json()["status"] == "revoked"


def test_department_submission_page_links_to_its_sheet(app, client, auth, issued):
    committee, sheet, _ = issued
    auth.login(committee.dept.username)
    page = client.get(f"/submissions/{sheet.submission_id}").get_data(as_text=True)
    assert f'href="/sheets/{url(sheet.serial)}"' in page and sheet.serial in page
    assert f"/sheets/{url(sheet.serial)}/download/pdf" in page


def test_intake_form_proposes_return_unless_the_sheet_approves(app, client, auth, committee):
    import re as _re

    approved, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="控烟方案"))
    modify, _ = ops.issue_sheet(committee.office, committee.decided("modify", title="食堂管理办法"))
    db.session.commit()
    auth.login(committee.justice.username)

    def selected(serial):
        page = client.get(f"/verify/sheets/{url(serial)}").get_data(as_text=True)
        return _re.search(r'<option selected value="(\w+)"|<option value="(\w+)" selected', page)

    def chosen(serial):
        m = selected(serial)
        return (m.group(1) or m.group(2)) if m else None

    assert chosen(approved.serial) == "accepted"
    assert chosen(modify.serial) == "returned"  # not the approved version: never proposed for intake


def test_kept_register_rows_follow_intakes_and_revocation(app, client, auth, committee):
    """Register rows are kept (review/pagecache.py:list_rows) while the sheet's status and intakes
    are the same; the signed facts never change."""
    import re

    sheet, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="控烟方案"))
    db.session.commit()
    auth.login(committee.justice.username)

    def row() -> str:
        html = client.get("/verify/register").get_data(as_text=True)
        return next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if sheet.serial in r)

    first = row()
    assert first == row() and "已撤销" not in first
    client.post(f"/verify/sheets/{url(sheet.serial)}/intake", data={"received_on": "2026-01-05", "outcome": "pending"})
    assert row().endswith("<td>1</td></tr>")
    ops.revoke_sheet(committee.admin, sheet, "误发")
    db.session.commit()
    assert "已撤销" in row()
