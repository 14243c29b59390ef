"""The signature is bound to what a person sees (issue #10 §1): each forgery the attack campaign
made verifies as modified or not issued, online and offline; a register row edited in the
database is flagged."""
from __future__ import annotations

import io

from sqlalchemy import update

from review.extensions import db
from review.reviews.models import Decision
from review.sheets import binding
from review.sheets import operations as ops
from review.sheets import signing
from review.sheets.pdfcheck import inspect_pdf
from review.sheets.wording import sheet_wording
from tests.docs import REVISED_LINES
from tests.sheets.forgeries import overlay_update, payload_of, rerender


def _pem(app) -> bytes:
    return signing.load_keypair(app.config["KEY_DIR"]).public_pem


def _modify_sheet(committee):
    sheet, code = ops.issue_sheet(committee.office, committee.decided("modify", reason="需按意见修改"))
    db.session.commit()
    return sheet, code, ops.sheet_path(sheet.pdf_key).read_bytes()


def test_genuine_sheet_is_authentic_and_identical(app, issued):
    _, sheet, _ = issued
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    check = ops.check_sheet_pdf(pdf)
    assert check.verdict == "authentic" and check.valid and check.file_identical and check.register_consistent
    assert check.mismatched == [] and check.revisions == []
    offline = ops.check_pdf_offline(pdf, _pem(app))
    assert offline.verdict == "authentic" and offline.content_matches and offline.status == ""


def test_incremental_update_overlaying_approval_is_modified(app, committee):
    sheet, _, pdf = _modify_sheet(committee)
    forged = overlay_update(pdf, [(90, 300, "审查结论：审查同意"), (90, 280, "出具日期：2027年12月1日")],
                            cover=[(80, 270, 400, 50)])
    check = ops.check_sheet_pdf(forged)
    assert not check.authentic and not check.valid
    assert check.verdict == "modified" and check.signature_valid and "revisions" in check.revisions
    assert {"conclusion", "issued_on", "year"} <= set(check.mismatched) and check.file_identical is False
    offline = ops.check_pdf_offline(forged, _pem(app))
    assert offline.verdict == "modified" and "revisions" in offline.revisions and not offline.content_matches


def test_incremental_update_changing_only_the_year_is_modified(app, committee):
    sheet, _, pdf = _modify_sheet(committee)
    forged = overlay_update(pdf, [(300, 700, "2027")], cover=[(290, 695, 40, 20)])
    offline = ops.check_pdf_offline(forged, _pem(app))
    assert offline.verdict == "modified" and "year" in offline.mismatched


def test_new_pdf_saying_approval_with_a_genuine_payload_is_modified(app, committee):
    sheet, _, _ = _modify_sheet(committee)
    approve = sheet_wording()["conclusions"]["approve"]
    shown = dict(sheet.facts, conclusion="approve", conclusion_label=approve["label"], legality=approve["legality"],
                 next_steps=approve["next_steps"], legality_allowed=True)
    forged = rerender(shown, payload_of(sheet))
    check = ops.check_sheet_pdf(forged)
    assert not check.authentic and check.verdict == "modified" and check.signature_valid
    assert check.revisions == [] and "conclusion" in check.mismatched
    offline = ops.check_pdf_offline(forged, _pem(app))
    assert offline.verdict == "modified" and offline.mismatched == ["conclusion"]


def test_sheet_a_page_with_sheet_b_payload_is_modified(app, committee):
    a, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="校园健康促进行动实施方案"))
    b, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="全民健身设施建设管理办法"))
    db.session.commit()
    forged = rerender(a.facts, payload_of(b))
    check = ops.check_sheet_pdf(forged)
    assert not check.authentic and check.verdict == "modified"
    assert check.facts["serial"] == b.serial and {"serial", "title"} <= set(check.mismatched)
    assert ops.check_pdf_offline(forged, _pem(app)).verdict == "modified"


def test_same_content_rewritten_is_modified_by_its_seal(app, issued):
    """A faithful re-rendering shows exactly the signed facts; the file seal and the issued file's
    hash tell it is not the file issued."""
    _, sheet, _ = issued
    copy = rerender(sheet.facts, payload_of(sheet))
    offline = ops.check_pdf_offline(copy, _pem(app))
    assert offline.verdict == "modified" and offline.seal_valid is False and offline.mismatched == []
    online = ops.check_sheet_pdf(copy)
    assert online.verdict == "modified" and online.file_identical is False and "seal" in online.problems


def test_unsealed_v1_sheet_is_judged_by_its_pages(app, issued):
    """Sheets issued before the seal (facts v1) still verify offline by signature and page text."""
    from review.sheets.render_pdf import encode_payload

    _, sheet, _ = issued
    pair = signing.load_keypair(app.config["KEY_DIR"])
    facts = dict(sheet.facts, v=1)
    payload = encode_payload(facts, signing.sign(pair, facts), pair.key_id, signing.ALGORITHM)
    old = ops.check_pdf_offline(rerender(facts, payload), _pem(app))
    assert old.seal_valid is None and old.verdict == "authentic"
    shown = dict(facts, conclusion_label="修改")  # the page says otherwise than the signed facts
    assert ops.check_pdf_offline(rerender(shown, payload), _pem(app)).verdict == "modified"


def test_seal_covers_every_byte(app, issued):
    _, sheet, _ = issued
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    check = ops.check_pdf_offline(pdf, _pem(app))
    assert check.seal_valid is True and check.verdict == "authentic"
    at = pdf.index(b"/Producer")
    flipped = pdf[:at] + b"/Producex" + pdf[at + 9:]  # one byte outside the payload and the page text
    assert ops.check_pdf_offline(flipped, _pem(app)).verdict == "modified"
    assert ops.check_pdf_offline(pdf + b"\n% appended\n", _pem(app)).verdict == "modified"


def test_chinese_dates_on_the_page_are_read(app, issued):
    _, sheet, _ = issued
    text = inspect_pdf(ops.sheet_path(sheet.pdf_key).read_bytes())["text"]
    assert binding.text_mismatches(sheet.facts, text, sheet_wording()) == []
    y, m, d = sheet.facts["issued_on"].split("-")
    chinese = f"{y}年{int(m)}月{int(d)}日"
    assert chinese in text and sheet.facts["issued_on"] not in text  # the sheet writes dates in Chinese
    iso = text.replace(chinese, sheet.facts["issued_on"])
    assert iso != text and binding.text_mismatches(sheet.facts, iso, sheet_wording()) == []
    wrong = text + f"\n出具日期：{int(y) + 1}年{int(m)}月{int(d)}日\n"
    assert binding.text_mismatches(sheet.facts, wrong, sheet_wording())


def test_unsigned_and_foreign_pdfs_are_not_issued(app, issued, tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    _, sheet, _ = issued
    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.drawString(100, 700, "forged sheet")
    canvas.save()
    assert ops.check_sheet_pdf(buf.getvalue()).verdict == "not_issued"
    other = signing.load_keypair(tmp_path / "other-keys")
    foreign = ops.check_pdf_offline(ops.sheet_path(sheet.pdf_key).read_bytes(), other.public_pem)
    assert foreign.verdict == "not_issued" and not foreign.key_known


def test_decision_row_edited_in_the_database_is_flagged(app, issued):
    _, sheet, code = issued
    db.session.execute(update(Decision).where(Decision.id == sheet.decision_id).values(conclusion="reject"))
    db.session.commit()
    db.session.expire_all()
    check = ops.check_sheet_pdf(ops.sheet_path(sheet.pdf_key).read_bytes())
    assert not check.valid and check.register_consistent is False and "register_decision" in check.problems
    result = ops.verify(sheet.serial, code)
    assert result.found and not result.valid and result.register_consistent is False
    assert ops.verify_record(sheet).register_consistent is False


def test_superseded_and_revoked_pdfs_keep_their_verdict_and_status(app, committee):
    first, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    second, _ = ops.issue_sheet(committee.office, committee.decided("approve", lines=REVISED_LINES,
                                                                    sub=first.submission))
    db.session.commit()
    check = ops.check_sheet_pdf(ops.sheet_path(first.pdf_key).read_bytes())
    assert check.verdict == "authentic" and check.status == "superseded" and not check.valid
    assert check.superseded_by == second.serial


def test_long_opinion_table_over_pages_is_authentic(app, committee):
    """Opinions that mention other conclusions, a table split over pages with its header (修改建议)
    repeated: a genuine sheet stays authentic offline."""
    items = [{"clause_path": f"第{n}条", "opinion": f"建议修改第{n}条的表述，避免与2025年版本冲突；" * 3,
              "suggestion": "修改后再审查同意" if n % 2 else "建议不予发布该条"} for n in range(1, 41)]
    sheet, _ = ops.issue_sheet(committee.office, committee.decided("approve"), items=items)
    db.session.commit()
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    info = inspect_pdf(pdf)
    assert info["pages"] >= 3 and info["text"].count("修改建议") >= 2  # the header repeats
    offline = ops.check_pdf_offline(pdf, _pem(app))
    assert offline.verdict == "authentic" and offline.mismatched == [], offline.mismatched
