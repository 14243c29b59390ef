"""Readers: docx XML walk, PDF character ordering and furniture, text encodings, refusals."""
import pytest

import builders as B
from pipeline.errors import PipelineError
from pipeline.readers import read, sniff
from pipeline.readers.numbering import Numbering, chinese_number, format_number
from pipeline.run import run_bytes

TOPICS = ["控烟", "减盐", "全民健身", "心理健康", "口腔卫生", "健康体重", "合理膳食", "慢病管理", "妇幼保健",
          "老年健康", "职业健康", "学校卫生", "环境卫生", "饮水安全", "食品安全", "伤害预防", "健康教育",
          "中医药服务", "家庭医生", "医养结合", "精神卫生", "病媒防制", "应急救护", "健康社区"]
PARAS = [f"围绕{t}工作，第{i}项任务要求各部门细化措施、压实责任、加强协作，定期通报进展情况，建立健全长效机制，"
         f"并将{t}纳入年度目标考核，确保各项任务按期完成。" for i, t in enumerate(TOPICS, 1)]


# --- numbering ---------------------------------------------------------------------------

@pytest.mark.parametrize("n,expected", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"),
                                        (100, "一百"), (105, "一百零五")])
def test_chinese_counting(n, expected):
    assert chinese_number(n) == expected


def test_number_formats():
    assert format_number(3, "decimal") == "3"
    assert format_number(2, "chineseLegalSimplified") == "贰"
    assert format_number(4, "upperRoman") == "IV"
    assert format_number(2, "lowerLetter") == "b"
    assert format_number(3, "decimalEnclosedCircle") == "③"


def test_numbering_counters_restart_deeper_levels():
    from docx.oxml import parse_xml
    root = parse_xml(f'<w:numbering {B.W_NS}>{B.ABSTRACT.replace(B.W_NS, "")}{B.NUM.replace(B.W_NS, "")}</w:numbering>')
    num = Numbering.from_element(root)
    labels = [num.label("77", lvl) for lvl in (0, 1, 1, 2, 0, 1, 2)]
    assert labels == ["一、", "（一）", "（二）", "1.", "二、", "（一）", "1."]
    assert num.label("0", 0) == "" and num.label("999", 0) == ""


# --- docx ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rich():
    return read(B.rich_docx(), "draft.docx")


def test_docx_rebuilds_automatic_numbering(rich):
    labelled = [(b.label, b.text) for b in rich.blocks if b.label]
    assert labelled[:2] == [("一、", "总体要求"), ("（一）", "加强戒烟服务。医疗机构开设戒烟门诊，为吸烟者提供戒烟服务。")]
    assert ("二、", "工作要求") in labelled and ("1.", "各区于每年12月底前报送总结。") in labelled
    assert ("2.", "加强督导检查。") in labelled


def test_docx_tracked_changes_keep_insertions_drop_deletions(rich):
    text = "\n".join(b.text for b in rich.blocks)
    assert "插入的文字" in text
    assert "删除的文字" not in text


def test_docx_content_control_and_text_box_once(rich):
    texts = [b.text for b in rich.blocks]
    assert "（二）内容控件中的条款。公共场所全面禁烟。" in texts
    assert sum(t.count("文本框中的文字") for t in texts) == 1


def test_docx_headers_footers_not_body(rich):
    assert not any("页眉" in b.text or "页脚" in b.text for b in rich.blocks)


def test_docx_merged_cells_deduplicated(rich):
    table = next(b for b in rich.blocks if b.kind == "table")
    assert table.rows == [["指标", "2024年", "2025年"], ["吸烟率", "低于20%"], ["18%", "16%"]]


def test_docx_body_order(rich):
    texts = [b.text for b in rich.blocks]
    assert texts.index("带文本框的段落。") < texts.index("文本框中的文字。") < texts.index("工作要求")


# --- pdf -----------------------------------------------------------------------------------

@pytest.mark.parametrize("style", ["dash", "hyphen", "zh"])
def test_pdf_cid_font_page_numbers_headers_and_page_breaks(style):
    crossed = []
    pdf = B.layout_pdf("测试市健康促进工作方案", ["一、总体要求"] + PARAS, header="内部资料 注意保存",
                       page_numbers=style, crossed=crossed)
    assert crossed, "the generated document must have a paragraph crossing a page break"
    raw = read(pdf, "plan.pdf")
    texts = [b.text for b in raw.blocks]
    assert raw.pages >= 3
    assert texts[0] == "测试市健康促进工作方案"
    for k, para in enumerate(PARAS, 1):
        assert para in texts, f"paragraph {k} not read verbatim"
    assert not any("—" in t or "页" in t or "内部资料" in t or t.strip("- ").isdigit() for t in texts)
    # a paragraph that continues on the next page keeps the page where it starts
    first_crossing = PARAS[crossed[0] - 1]
    block = next(b for b in raw.blocks if b.text == first_crossing)
    assert block.page == next(b.page for b in raw.blocks if b.text == first_crossing)
    pages = [b.page for b in raw.blocks]
    assert pages == sorted(pages) and pages[-1] == raw.pages


def test_pdf_fallback_font_quotes_in_reading_order():
    raw = read(B.fallback_quotes_pdf(), "q.pdf")
    assert raw.blocks[0].text == "推进“健康城市”建设，倡导健康生活方式。"


def test_pdf_dense_page_with_3000_boxes():
    raw = read(B.dense_pdf(3000), "dense.pdf")
    # every cell is read, row by row, left to right
    text = "".join(b.text for b in raw.blocks).replace(" ", "")
    assert text == "".join(str(k % 100) for k in range(3000))


def test_pdf_encrypted_is_refused():
    with pytest.raises(PipelineError) as exc:
        read(B.layout_pdf("标题", ["正文。"], encrypt="secret"), "e.pdf")
    assert exc.value.code == "encrypted" and "password-protected" in exc.value.message


def test_pdf_without_text_layer():
    with pytest.raises(PipelineError) as exc:
        read(B.image_only_pdf(), "scan.pdf")
    assert exc.value.code == "no_text_layer"
    assert exc.value.message == "scanned document, no text layer; OCR is not supported"


def test_pdf_without_unicode_map():
    with pytest.raises(PipelineError) as exc:
        read(B.cid_without_unicode_pdf(), "cid.pdf")
    assert exc.value.code == "unreadable_text_map"


# --- txt and refusals ----------------------------------------------------------------------

def test_txt_gb18030_and_utf8():
    text = "关于加强控烟工作的通知\n一、总体要求\n全面推进无烟环境建设。\n"
    for encoding in ("gb18030", "utf-8", "utf-8-sig"):
        raw = read(text.encode(encoding), "a.txt")
        assert [b.text for b in raw.blocks] == ["关于加强控烟工作的通知", "一、总体要求", "全面推进无烟环境建设。"]


@pytest.mark.parametrize("name,data,code,words", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "legacy_word", "please save as .docx"),
    ("old.wps", b"anything", "legacy_word", "please save as .docx"),
    ("sheet.xlsx", b"PK\x03\x04rest", "unsupported_format", ".xlsx"),
    ("photo.png", b"\x89PNG\r\n\x1a\n", "unsupported_format", ".png"),
])
def test_refusals(name, data, code, words):
    with pytest.raises(PipelineError) as exc:
        sniff(data, name)
    assert exc.value.code == code and words in exc.value.message
    result = run_bytes(data, name)
    assert result.status == "failure" and result.errors[0].code == code


def test_pdf_over_the_page_limit_refused_before_reading(monkeypatch):
    import pipeline.readers.pdf as pdf
    monkeypatch.setattr(pdf, "MAX_PAGES", 3)
    read_pages = []
    monkeypatch.setattr(pdf, "_lines", lambda chars: read_pages.append(1) or [])
    paras = [f"第{i}项任务要求各部门细化措施、压实责任、加强协作，定期通报进展情况。" * 4 for i in range(40)]
    with pytest.raises(PipelineError) as exc:
        read(B.layout_pdf("标题", paras), "long.pdf")
    assert exc.value.code == "too_large" and "more than 3 pages" in exc.value.message
    assert read_pages == []  # the page tree's count was enough
