"""Each tampering is detected: edited PDF facts, forged serial, wrong code, changed draft,
superseded and revoked sheets; the offline check of the PDF without the database."""
from __future__ import annotations

import base64
import io
import json

import pytest

from review.extensions import db
from review.sheets import operations as ops
from review.sheets.render_pdf import PAYLOAD_KEY, read_payload
from tests.docs import DRAFT_LINES, REVISED_LINES, docx_bytes, txt_bytes


def _edit_payload(pdf: bytes, old: bytes, new: bytes) -> bytes:
    """Rewrite the embedded facts in place (same length, so the PDF's offsets stay valid)."""
    assert len(old) == len(new)
    payload = read_payload(pdf)
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    encoded = base64.b64encode(raw)
    assert encoded in pdf and old in raw
    forged = base64.b64encode(raw.replace(old, new))
    assert len(forged) == len(encoded)
    return pdf.replace(encoded, forged)


def test_authentic_pdf_passes(issued):
    _, sheet, _ = issued
    check = ops.check_sheet_pdf(ops.sheet_path(sheet.pdf_key).read_bytes())
    assert check.authentic and check.valid and check.matches_register and check.file_identical
    assert check.facts["serial"] == sheet.serial


def test_pdf_with_edited_conclusion_is_detected(app, committee):
    sheet, _ = ops.issue_sheet(committee.office, committee.decided("redraft", reason="需重新起草"))
    db.session.commit()
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    forged = _edit_payload(pdf, '"conclusion":"redraft","conclusion_label":"重新起草"'.encode(),
                           '"conclusion":"approve","conclusion_label":"审查同意"'.encode())
    assert read_payload(forged)["facts"]["conclusion"] == "approve"  # the edit is readable...
    check = ops.check_sheet_pdf(forged)
    assert check.embedded and not check.signature_valid and not check.authentic  # ...and detected
    assert check.verdict == "not_issued" and "bad_signature" in check.problems


def test_pdf_with_forged_serial_is_detected(issued):
    _, sheet, _ = issued
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    forged = _edit_payload(pdf, "第1号".encode(), "第9号".encode())
    check = ops.check_sheet_pdf(forged)
    assert not check.authentic and check.in_register is False


def test_pdf_without_payload_is_not_authentic(app):
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.drawString(100, 700, "forged sheet")
    canvas.save()
    check = ops.check_sheet_pdf(buf.getvalue())
    assert not check.embedded and not check.authentic
    assert not ops.check_sheet_pdf(b"not a pdf at all").authentic


def test_pdf_signed_with_another_key(issued, tmp_path):
    from review.sheets import signing

    _, sheet, _ = issued
    other = signing.load_keypair(tmp_path / "other-keys")
    check = ops.check_pdf_offline(ops.sheet_path(sheet.pdf_key).read_bytes(), other.public_pem)
    assert not check.key_known and not check.signature_valid


def test_wrong_code_and_unknown_serial_look_the_same(issued):
    _, sheet, code = issued
    assert ops.verify(sheet.serial, code).valid
    assert ops.verify(sheet.serial, code.lower().replace("-", " ")).valid  # as typed by hand
    typed = sheet.serial.replace("〔", "[").replace("〕", "] ")
    assert ops.verify(typed, code).valid and ops.find_by_code(typed, code).id == sheet.id
    wrong = ops.verify(sheet.serial, "AAAA-BBBB-CCCC")
    unknown = ops.verify("健审〔2026〕第999号", code)
    assert wrong == unknown and not wrong.found and not wrong.valid and wrong.facts == {}
    assert not ops.verify(sheet.serial, "").found


def test_record_tampered_in_database_is_not_authentic(issued):
    _, sheet, code = issued
    sheet.facts = dict(sheet.facts, conclusion="approve", title="另一个方案")
    db.session.commit()
    result = ops.verify(sheet.serial, code)
    assert result.found and not result.authentic and not result.valid


def test_draft_same_file_same_text_and_changed(issued):
    committee, sheet, code = issued
    same_file = ops.check_draft(sheet, (committee.data, "方案.docx"))
    assert same_file["matches"] and same_file["by"] == "file"
    # The same words in another file (re-saved as text): the normalised text matches.
    same_text = ops.check_draft(sheet, (txt_bytes(DRAFT_LINES), "方案.txt"))
    assert same_text["matches"] and same_text["by"] == "text", same_text
    changed = ops.check_draft(sheet, (docx_bytes(REVISED_LINES), "方案-改.docx"))
    assert not changed["matches"]
    assert len(changed["changed_clauses"]) == 1
    clause = changed["changed_clauses"][0]
    assert clause["op"] == "changed" and "食堂" in clause["path"] + clause["before"]
    assert "含糖饮料" in clause["after"] and "含糖饮料" not in clause["before"]


def test_superseded_sheet(app, committee):
    first, first_code = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    second, _ = ops.issue_sheet(committee.office, committee.decided("approve", lines=REVISED_LINES,
                                                                    sub=first.submission))
    db.session.commit()
    result = ops.verify(first.serial, first_code)
    assert result.authentic and not result.valid and result.status == "superseded"
    assert result.superseded_by == second.serial
    assert ops.check_sheet_pdf(ops.sheet_path(first.pdf_key).read_bytes()).superseded_by == second.serial


def test_revoked_sheet(issued):
    committee, sheet, code = issued
    for user in (committee.office, committee.justice, committee.dept):
        with pytest.raises(ops.SheetError):
            ops.revoke_sheet(user, sheet, "签发错误")
    with pytest.raises(ops.SheetError):
        ops.revoke_sheet(committee.admin, sheet, "  ")
    ops.revoke_sheet(committee.admin, sheet, "审查程序违规，撤销")
    db.session.commit()
    result = ops.verify(sheet.serial, code)
    assert result.authentic and not result.valid and result.status == "revoked"
    assert result.revoked_reason == "审查程序违规，撤销" and result.revoked_at
    pdf_check = ops.check_sheet_pdf(ops.sheet_path(sheet.pdf_key).read_bytes())
    assert pdf_check.authentic and not pdf_check.valid and pdf_check.status == "revoked"


def test_offline_cli(app, issued, tmp_path):
    _, sheet, _ = issued
    runner = app.test_cli_runner()
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(ops.sheet_path(sheet.pdf_key).read_bytes())
    key = tmp_path / "key.pem"
    key.write_bytes(app.test_client().get("/verify/public-key.pem").data)
    ok = runner.invoke(args=["verify-sheet", str(pdf), "--public-key", str(key)])
    assert ok.exit_code == 0, ok.output
    assert "VERDICT: AUTHENTIC" in ok.output and "审查同意" in ok.output and sheet.serial in ok.output
    assert runner.invoke(args=["verify-sheet", str(pdf)]).exit_code == 0  # the instance's own key
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_edit_payload(pdf.read_bytes(), "校园".encode(), "学校".encode()))
    bad = runner.invoke(args=["verify-sheet", str(forged), "--public-key", str(key)])
    assert bad.exit_code == 1 and "VERDICT: NOT_ISSUED" in bad.output and "学校健康促进" in bad.output
    assert PAYLOAD_KEY  # the payload key is part of the documented format
