"""Issuing: serial numbers, one sheet per decision, contents of the facts, the .docx and the PDF."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document

from review.audit.models import CommitteeSetting
from review.extensions import db
from review.reviews.models import Decision
from review.sheets import operations as ops
from review.sheets.models import OpinionSheet
from review.sheets.render_pdf import SheetFontError, find_font
from tests.concurrency import run_at_once
from tests.docs import REVISED_LINES


def test_serial_format_and_yearly_sequence(app, committee, monkeypatch):
    year = datetime.now(timezone.utc).year
    first, code = ops.issue_sheet(committee.office, committee.decided("approve", title="甲方案"))
    second, _ = ops.issue_sheet(committee.office, committee.decided("modify", title="乙方案"))
    db.session.commit()
    assert first.serial == f"健审〔{year}〕第1号" and (first.year, first.seq) == (year, 1)
    assert second.serial == f"健审〔{year}〕第2号"
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert first.code_hash == ops.hash_code(code) and code not in str(first.facts)

    # A new year starts again at 1, under the configured prefix.
    app.config["SHEET_SERIAL_PREFIX"] = "滨健审"
    monkeypatch.setattr(ops, "_now", lambda: datetime(year + 1, 1, 2, tzinfo=timezone.utc))
    third, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="丙方案"))
    assert third.serial == f"滨健审〔{year + 1}〕第1号" and third.facts["issued_on"] == f"{year + 1}-01-02"


def test_serial_retry_after_collision(app, committee, monkeypatch):
    """A serial taken between max(seq) and the insert is retried with the next number."""
    first, _ = ops.issue_sheet(committee.office, committee.decided("approve", title="甲方案"))
    db.session.commit()
    calls = []
    real = ops._next_seq

    def stale(year):  # the first attempt sees the count before the other sheet was inserted
        calls.append(year)
        return 1 if len(calls) == 1 else real(year)

    monkeypatch.setattr(ops, "_next_seq", stale)
    second, code = ops.issue_sheet(committee.office, committee.decided("approve", title="乙方案"))
    db.session.commit()
    assert len(calls) == 2 and second.seq == 2 and code


def test_second_issue_returns_the_same_sheet(app, committee):
    decision = committee.decided("approve")
    sheet, code = ops.issue_sheet(committee.office, decision)
    db.session.commit()
    again, again_code = ops.issue_sheet(committee.office, decision)
    assert again.id == sheet.id and code and again_code == ""
    assert db.session.scalar(db.select(db.func.count(OpinionSheet.id))) == 1


def test_two_staff_at_once_give_one_sheet(app, committee):
    from tests.sheets.builders import quick_user

    decision_id = committee.decided("approve").id
    other = quick_user("office-two", "office")
    db.session.commit()
    user_ids = [committee.office.id, other.id]

    def attempt(user_id, barrier):
        from review.accounts.models import User

        user, decision = db.session.get(User, user_id), db.session.get(Decision, decision_id)
        barrier.wait()
        sheet, code = ops.issue_sheet(user, decision)
        db.session.commit()
        return sheet.id, code

    results, errors = run_at_once(app, attempt, user_ids)
    assert not errors, errors
    assert len({sid for sid, _ in results}) == 1
    assert sorted(bool(code) for _, code in results) == [False, True]
    assert db.session.scalar(db.select(db.func.count(OpinionSheet.id))) == 1


def test_only_the_office_issues(app, committee):
    decision = committee.decided("approve")
    for user in (committee.dept, committee.justice, committee.admin):
        with pytest.raises(ops.SheetError) as exc:
            ops.issue_sheet(user, decision)
        assert exc.value.code == "forbidden"


def test_drafted_wording_and_office_edits(app, committee):
    decision = committee.decided("approve")
    items = ops.draft_items(decision)
    assert items[0]["clause_path"] == "总体意见" and items[0]["opinion"] == "总体可行"
    canteen = items[1]
    assert "食堂" in canteen["clause_text"] and canteen["suggestion"] == "禁止供应含糖饮料"
    assert canteen["opinion"].startswith("1. 建议明确含糖饮料")  # three experts' comments, numbered
    edited = [dict(items[0], opinion=""), dict(canteen, opinion="明确禁止供应含糖饮料。", suggestion="增加“禁止供应含糖饮料”。")]
    sheet, _ = ops.issue_sheet(committee.office, decision, edited)
    assert sheet.facts["items"] == [{"clause_path": canteen["clause_path"], "opinion": "明确禁止供应含糖饮料。",
                                     "suggestion": "增加“禁止供应含糖饮料”。", "quote": "加强学校食堂食品安全管理……"}]


def test_facts_panel_conclusion_and_fingerprint(app, committee):
    decision = committee.decided("approve")
    sheet, _ = ops.issue_sheet(committee.office, decision)
    f = sheet.facts
    version = decision.submission.versions[0]
    assert (f["title"], f["department"], f["policy_type_label"], f["round"]) == ("校园健康促进行动实施方案", "教育局", "规范性文件", 1)
    assert f["conclusion_label"] == "审查同意" and f["legality"] == "可进入合法性审查" and f["legality_allowed"]
    assert (f["draft_sha256"], f["text_sha256"]) == (version.draft_sha256, version.text_sha256)
    assert [m["name"] for m in f["panel"]["members"]] == ["s甲专家", "s乙专家", "s丙专家"]
    assert f["panel"]["members"][0]["domains"] and f["committee"] == app.config["COMMITTEE_NAME"]
    assert f["received_on"] and f["review_started_on"] <= f["decided_on"] <= f["issued_on"]


@pytest.mark.parametrize("conclusion, label", [("modify", "修改"), ("redraft", "重新起草"), ("reject", "建议不予发布")])
def test_other_conclusions_do_not_allow_legality_review(app, committee, conclusion, label):
    sheet, _ = ops.issue_sheet(committee.office, committee.decided(conclusion, reason="理由"))
    f = sheet.facts
    assert f["conclusion_label"] == label and f["legality"] == "不得进入合法性审查" and not f["legality_allowed"]
    assert "重新提交健康审查" in f["next_steps"]


def test_anonymised_panel_gives_only_its_size(app, committee):
    db.session.add(CommitteeSetting(id=1, name="", anonymise_panel=True))
    db.session.commit()
    sheet, code = ops.issue_sheet(committee.office, committee.decided("approve"))
    assert sheet.facts["panel"] == {"anonymised": True, "size": 3, "members": []}
    text = _docx_text(ops.sheet_path(sheet.docx_key).read_bytes())
    assert "专家共3人（本委员会不公开专家姓名）" in text and "甲专家" not in text


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_docx_contents(issued):
    committee, sheet, code = issued
    text = _docx_text(ops.sheet_path(sheet.docx_key).read_bytes())
    for expected in ("公共政策健康审查意见书", sheet.serial, "滨海新区健康专家委员会", "校园健康促进行动实施方案",
                     "教育局", "规范性文件", "第1轮", "审查同意", "可进入合法性审查", "禁止供应含糖饮料",
                     "s甲专家", sheet.facts["draft_sha256"], sheet.facts["text_sha256"], code):
        assert expected in text, expected
    doc = Document(io.BytesIO(ops.sheet_path(sheet.docx_key).read_bytes()))
    assert doc.inline_shapes, "the QR code image is in the document"


def test_pdf_renders_chinese(issued, tmp_path):
    """The PDF has an embedded CJK font: the title extracts as text and the page image is not blank."""
    _, sheet, _ = issued
    pdf = ops.sheet_path(sheet.pdf_key)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "公共政策健康审查意见书" in text and sheet.serial in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True).stdout.decode()
    assert "yes" in fonts.split("\n", 2)[2]  # the font is embedded
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    page = next(tmp_path.glob("page*.png"))
    artifacts = Path(__file__).resolve().parent.parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(page, artifacts / "sheet-page1.png")  # kept for people to look at
    image = Image.open(page).convert("L")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 2000, dark


def test_missing_cjk_font_fails_clearly(app, committee, monkeypatch):
    import review.sheets.fonts as fonts
    import review.sheets.render_pdf as render_pdf

    with pytest.raises(SheetFontError, match="does not exist"):
        find_font("/nonexistent/font.ttf")
    with pytest.raises(SheetFontError, match="no Chinese glyphs|cannot use"):
        render_pdf.register_font("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", ())
    with pytest.raises(SheetFontError, match="REVIEW_SHEET_FONT"):
        find_font("")
    with pytest.raises(ops.SheetError, match="REVIEW_SHEET_FONT") as exc:  # issuing says why, and issues nothing
        ops.issue_sheet(committee.office, committee.decided("approve"))
    assert exc.value.code == "no_font"


def test_later_round_supersedes(app, committee):
    first, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    decision2 = committee.decided("approve", lines=REVISED_LINES, sub=first.submission)
    second, _ = ops.issue_sheet(committee.office, decision2)
    db.session.commit()
    assert first.status.value == "superseded" and first.superseded_by_id == second.id
    assert second.status.value == "valid" and second.facts["round"] == 2
    with pytest.raises(ops.SheetError) as exc:  # a stale decision cannot re-issue over the later round
        db.session.delete(first)
        db.session.flush()
        ops.issue_sheet(committee.office, db.session.get(Decision, first.decision_id))
    assert exc.value.code == "stale_decision"


def test_a_sheet_whose_issue_rolls_back_leaves_no_files(app, committee):
    decision = committee.decided("approve")
    sheet, _ = ops.issue_sheet(committee.office, decision)
    paths = [ops.sheet_path(k) for k in (sheet.pdf_key, sheet.docx_key, ops.qr_key(sheet))]
    assert all(p.exists() for p in paths)
    db.session.rollback()
    assert not any(p.exists() for p in paths)
    assert db.session.scalar(db.select(db.func.count(OpinionSheet.id))) == 0
