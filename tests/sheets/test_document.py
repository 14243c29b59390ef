"""The sheet as an official document (GB/T 9704 as far as it applies), checked from the PDF's
text (pdftotext), its fonts (pdffonts) and its page images (pdftoppm)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

from docx import Document
from PIL import Image, ImageChops

from review.extensions import db
from review.sheets import operations as ops
from review.sheets.content import zh_date
from review.sheets.fonts import register_font
from review.sheets.typeset import NO_END, NO_START, break_lines
from tests.docs import REVISED_LINES

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
HEX64 = re.compile(r"[0-9a-f]{64}")


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, check=True).stdout.decode()


def _pages(pdf: Path) -> list[str]:
    return _text(pdf).split("\f")[:-1]


def _png(pdf: Path, tmp_path: Path, name: str) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / name)], check=True)
    pages = sorted(tmp_path.glob(f"{name}*.png"))
    ARTIFACTS.mkdir(exist_ok=True)
    for page in pages:
        shutil.copy(page, ARTIFACTS / page.name)  # kept for people to look at
    return pages


def _red(image: Image.Image, box) -> int:
    r, g, b = image.convert("RGB").crop(box).split()
    red = Image.eval(r, lambda v: 255 if v > 170 else 0)
    not_green = Image.eval(g, lambda v: 255 if v < 90 else 0)
    not_blue = Image.eval(b, lambda v: 255 if v < 90 else 0)
    mask = ImageChops.multiply(ImageChops.multiply(red, not_green), not_blue)
    return mask.histogram()[255]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_sheet_reads_as_an_official_document(issued, tmp_path):
    _, sheet, code = issued
    f = sheet.facts
    pdf = ops.sheet_path(sheet.pdf_key)
    text = _text(pdf)
    layout = _text(pdf, "-layout")
    flat = _flat(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # 版头: the committee's name first, then the serial, then the title.
    assert lines[0] == f["committee"] and lines[1] == sheet.serial
    assert "关于《校园健康促进行动实施方案》的公共政策健康审查意见书" in flat
    assert "教育局：" in lines  # 主送, on a line of its own
    assert ("你单位报送的《校园健康促进行动实施方案》（第1轮）收悉。经本委员会组织专家审查，现提出意见如下：" in flat)
    for heading in ("一、审查基本情况", "二、专家总体意见", "三、逐条审查意见", "四、审查结论"):
        assert heading in flat, heading
    # An approving sheet still says what the experts said, and cites clauses as people do.
    assert "审查专家的总体意见归纳如下：" in flat
    assert "（二）关于二、（一）“加强学校食堂食品安全管理……”" in flat
    assert "经审查，本委员会的审查结论为：审查同意，可进入合法性审查。" in flat
    # Dates in Chinese, everywhere.
    assert zh_date(f["issued_on"]) in flat and not re.search(r"\d{4}-\d{2}-\d{2}", text)
    # Page numbers "— 1 —", one per page.
    pages = _pages(pdf)
    for n, page in enumerate(pages, 1):
        assert f"— {n} —" in page, n
    # 禁则: no line starts with a closing mark, none ends with an opening one.
    for line in lines:
        assert line[0] not in NO_START.replace("—", ""), line
        assert line[-1] not in NO_END, line
    # No raw hex or algorithm names in the body: the fingerprints are in the 附注 only.
    body, _, note = flat.partition("（附注：")
    assert "Ed25519" not in flat and not HEX64.search(body)
    assert f["draft_sha256"] in note and f["text_sha256"] in note
    # The verification block closes the sheet.
    tail = flat[flat.index("核验方式"):]
    assert f"核验码：{code}" in tail and "核验网址：" in tail and "附注" not in tail
    # The signature: the committee over the Chinese date, on a page with body text.
    signature_page = next(p for p in pages if "特此函告。" in p)
    after = signature_page[signature_page.index("特此函告。"):]
    assert f["committee"] in after and zh_date(f["issued_on"]) in after
    assert "滨海新区健康专家委员会" in layout
    # Fonts: serif (明/宋) body and title, 黑体 and 楷体 headings, all embedded.
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True).stdout.decode()
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts
    for family in ("UMingCN", "WenQuanYiZenHei", "UKaiCN"):
        assert family in fonts, family
    # The page images: a red 版头 at the top of page 1, the red seal next to the date.
    images = _png(pdf, tmp_path, "sheet-document")
    first = Image.open(images[0])
    w, h = first.size
    assert _red(first, (0, 0, w, int(h * 0.4))) > 300  # committee name and red rule
    seal_page = Image.open(images[pages.index(signature_page)])
    assert _red(seal_page, (w // 2, 0, w, h)) > 1500  # the seal, right of the centre


def test_line_breaking_rules():
    font = register_font("", "body")
    text = "本委员会建议：第五条“学校应当……”，《办法》（试行）规定的事项，应当（一）明确；（二）细化。" * 6
    for width in range(80, 460, 7):
        lines = break_lines(text, font, 16, width, 32)
        assert "".join(line for line, _, _ in lines) == text
        for n, (line, _, _) in enumerate(lines):
            assert n == 0 or line[0] not in NO_START, (width, line)
            assert n == len(lines) - 1 or line[-1] not in NO_END, (width, line)


def test_headings_never_end_a_page_and_signature_keeps_body(app, committee, tmp_path):
    items = [{"clause_path": f"第{n}条", "opinion": "建议补充学生健康监测与评估的具体措施，明确责任单位。" * (1 + n % 4),
              "suggestion": "增加“定期开展学生健康监测”的表述。"} for n in range(1, 25)]
    sheet, _ = ops.issue_sheet(committee.office, committee.decided("approve"), items=items)
    db.session.commit()
    pdf = ops.sheet_path(sheet.pdf_key)
    pages = _pages(pdf)
    assert len(pages) >= 4
    heading = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
    for n, page in enumerate(pages[:-1], 1):
        content = [line.strip() for line in page.splitlines() if line.strip() and not line.strip().startswith("—")]
        assert not heading.match(content[-1]), (n, content[-1])
    signature_page = next(p for p in pages if "特此函告。" in p)
    after = signature_page[signature_page.index("特此函告。"):]
    assert zh_date(sheet.facts["issued_on"]) in after and "经审查，本委员会的审查结论为" in _flat(signature_page)
    _png(pdf, tmp_path, "sheet-long")


def test_superseding_sheet_names_the_earlier_one(app, committee):
    first, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    second, _ = ops.issue_sheet(committee.office, committee.decided("approve", lines=REVISED_LINES, sub=first.submission))
    db.session.commit()
    assert second.facts["supersedes"] == first.serial
    text = _flat(_text(ops.sheet_path(second.pdf_key)))
    assert f"此前就该文件出具的{first.serial}意见书不再作为审查依据" in text
    assert "（第2轮）收悉" in text
    offline = ops.check_pdf_offline(ops.sheet_path(second.pdf_key).read_bytes(), _pem(app))
    assert offline.verdict == "authentic", offline.mismatched


def _pem(app) -> bytes:
    from review.sheets import signing

    return signing.public_pem_of(signing.load_keypair(app.config["KEY_DIR"]).public)


def test_docx_names_the_official_faces(issued):
    _, sheet, _ = issued
    doc = Document(io.BytesIO(ops.sheet_path(sheet.docx_key).read_bytes()))
    xml = doc.element.xml
    for face in ("方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"):
        assert f'w:eastAsia="{face}"' in xml, face
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "教育局：" in text and zh_date(sheet.facts["issued_on"]) in text and "一、审查基本情况" in text
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "— " in footer
    assert len(doc.inline_shapes) == 2  # the seal and the QR code


def test_office_previews_the_sheet_before_issuing(app, client, auth, committee):
    decision = committee.decided("approve")
    auth.login(committee.office.username)
    page = client.get(f"/sheets/prepare/{decision.id}").get_data(as_text=True)
    assert f'src="/sheets/prepare/{decision.id}/preview.pdf"' in page and "<iframe" in page
    preview = client.get(f"/sheets/prepare/{decision.id}/preview.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    path = Path(app.instance_path) / "preview-test.pdf"
    path.write_bytes(preview.data)
    text = _flat(_text(path))
    # The watermark is set at an angle: its letters come out of pdftotext in page order.
    assert ("PREVIEW" in text or "WEIVER" in text) and "〔" not in text and "编号在出具时生成" in text
    text = re.sub("[预览PREVIEW]", "", text)
    assert "你单位报送的《校园健康促进行动实施方案》（第1轮）收悉" in text
    edited = client.post(f"/sheets/prepare/{decision.id}/preview.pdf", data={
        "items-0-clause_path": "总体意见", "items-0-opinion": "改过的意见甲乙", "items-0-suggestion": ""})
    path.write_bytes(edited.data)
    assert edited.status_code == 200 and "改过的意见甲乙" in re.sub("[预览PREVIEW]", "", _flat(_text(path)))
    assert ops.sheet_of_decision(decision) is None  # a preview issues nothing
    path.unlink()
    auth.logout()
    auth.login(committee.dept.username)
    assert client.get(f"/sheets/prepare/{decision.id}/preview.pdf").status_code == 403


def test_chinese_dates_and_numbers():
    from datetime import date

    from review.sheets.content import cn_number

    assert zh_date("2026-12-01") == "2026年12月1日" and zh_date(date(2027, 1, 31)) == "2027年1月31日"
    assert zh_date("") == ""
    assert [cn_number(n) for n in (1, 10, 11, 20, 24)] == ["一", "十", "十一", "二十", "二十四"]


def test_font_settings_choose_the_faces(app, issued, tmp_path):
    """An office points the roles at its own files (here: 黑体 for the body) and the PDF embeds them."""
    from review.sheets.content import SheetView
    from review.sheets.fonts import fonts_from_app_config
    from review.sheets.render_pdf import render_pdf
    from review.sheets.wording import sheet_wording

    _, sheet, _ = issued
    zenhei = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0"
    config = fonts_from_app_config({"SHEET_FONT": "", "SHEET_FONT_BODY": zenhei, "SHEET_FONT_TITLE": zenhei,
                                    "SHEET_FONT_HEADING": "", "SHEET_FONT_KAI": ""})
    assert config == {"title": zenhei, "body": zenhei, "heading": "", "kai": ""}
    path = tmp_path / "custom.pdf"
    path.write_bytes(render_pdf(SheetView(sheet.facts, sheet_wording(), "ABCD-EFGH-JKMN"), b"", "", config))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "WenQuanYiZenHei" in fonts and "UKaiCN" in fonts and "UMingCN" not in fonts
