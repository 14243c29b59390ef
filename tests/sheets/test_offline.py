"""``flask verify-sheet`` offline: three verdicts with distinct exit codes, the plain statement that
the status needs the register, and the signed revocation list."""
from __future__ import annotations

import json

from review.extensions import db
from review.sheets import operations as ops
from tests.docs import REVISED_LINES
from tests.sheets.forgeries import overlay_update, payload_of, rerender


def _key(app, tmp_path):
    key = tmp_path / "key.pem"
    key.write_bytes(app.test_client().get("/verify/public-key.pem").data)
    return key


def _verify(app, path, *extra):
    return app.test_cli_runner().invoke(args=["verify-sheet", str(path), *extra])


def test_offline_verdicts_and_exit_codes(app, committee, tmp_path):
    sheet, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    key = _key(app, tmp_path)
    genuine = tmp_path / "genuine.pdf"
    genuine.write_bytes(pdf)
    ok = _verify(app, genuine, "--public-key", str(key))
    assert ok.exit_code == 0, ok.output
    assert "VERDICT: AUTHENTIC" in ok.output and "真实且与出具文件一致" in ok.output
    assert "STATUS: UNKNOWN" in ok.output and "无法得知是否已撤销或被替代" in ok.output

    overlaid = tmp_path / "overlaid.pdf"
    overlaid.write_bytes(overlay_update(pdf, [(90, 300, "审查结论：审查同意")], cover=[(80, 290, 300, 30)]))
    bad = _verify(app, overlaid, "--public-key", str(key))
    assert bad.exit_code == 3 and "VERDICT: MODIFIED" in bad.output and "签名真实但文件被改动" in bad.output

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(rerender(dict(sheet.facts, conclusion_label="审查同意"), payload_of(sheet)))
    assert _verify(app, forged, "--public-key", str(key)).exit_code == 3

    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 not really")
    out = _verify(app, junk, "--public-key", str(key))
    assert out.exit_code == 1 and "不是本委员会出具" in out.output


def test_revoked_and_superseded_need_the_revocation_list(app, committee, tmp_path):
    first, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    second, _ = ops.issue_sheet(committee.office, committee.decided("approve", lines=REVISED_LINES,
                                                                    sub=first.submission))
    db.session.commit()
    ops.revoke_sheet(committee.admin, second, "签发错误")
    db.session.commit()
    key = _key(app, tmp_path)
    superseded, revoked = tmp_path / "first.pdf", tmp_path / "second.pdf"
    superseded.write_bytes(ops.sheet_path(first.pdf_key).read_bytes())
    revoked.write_bytes(ops.sheet_path(second.pdf_key).read_bytes())

    blind = _verify(app, revoked, "--public-key", str(key))
    assert blind.exit_code == 0 and "STATUS: UNKNOWN" in blind.output  # said plainly, not "valid"

    listing = tmp_path / "revocations.json"
    made = app.test_cli_runner().invoke(args=["sheets", "export-revocations", str(listing)])
    assert made.exit_code == 0, made.output
    body = json.loads(listing.read_text(encoding="utf-8"))
    assert {e["serial"]: e["status"] for e in body["sheets"]} == {first.serial: "superseded", second.serial: "revoked"}

    out = _verify(app, revoked, "--public-key", str(key), "--revocations", str(listing))
    assert out.exit_code == 4 and "STATUS: REVOKED" in out.output and "签发错误" in out.output
    out = _verify(app, superseded, "--public-key", str(key), "--revocations", str(listing))
    assert out.exit_code == 4 and "STATUS: SUPERSEDED" in out.output and second.serial in out.output

    # A list edited to clear the revocation is refused before use.
    body["sheets"] = [e for e in body["sheets"] if e["serial"] != second.serial]
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    out = _verify(app, revoked, "--public-key", str(key), "--revocations", str(tampered))
    assert out.exit_code == 5 and "not signed by key" in out.output


def test_valid_sheet_not_listed(app, issued, tmp_path):
    _, sheet, _ = issued
    key = _key(app, tmp_path)
    listing = tmp_path / "revocations.json"
    assert app.test_cli_runner().invoke(args=["sheets", "export-revocations", str(listing)]).exit_code == 0
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(ops.sheet_path(sheet.pdf_key).read_bytes())
    out = _verify(app, pdf, "--public-key", str(key), "--revocations", str(listing))
    assert out.exit_code == 0 and "STATUS: NOT LISTED" in out.output and sheet.serial in out.output
