"""PDF paragraphs against the DOCX of the same text: 款 that fill their last line stay apart
(the indentation of the next line says a new paragraph starts), with the column's left edge
found on regulations whose 款 mostly fit on one line, and on mirrored margins; traditional
variants from CID fonts are turned back in a simplified document only."""
import pytest

import builders as B
from pipeline.run import run_bytes

ARTICLES = [f"第{n}条" for n in "一二三四五六七八九十"]
TOPICS = ["控烟", "减盐", "全民健身", "心理健康", "口腔卫生", "健康体重", "合理膳食", "慢病管理", "妇幼保健", "老年健康"]


def regulation(line_chars: int) -> list[str]:
    """Articles whose 款 mostly fit on one line; some end exactly at the margin."""
    paras = []
    for k, article in enumerate(ARTICLES):
        topic = TOPICS[k]
        full = f"本条例所称{topic}工作，是指对公共政策可能产生的{topic}影响进行系统分析和评估的活动，并提出建议。"
        paras.append(f"{article} 各级人民政府应当将{topic}融入所有政策，加强第{k + 1}项统筹协调工作。")
        # a 款 whose last line is full: exactly two lines of the column (the first indented)
        body = (full * 3)[: 2 * line_chars - 2 - 1] + "。"
        paras.append(body)
        paras.append(f"县级以上人民政府卫生健康主管部门负责组织实施{topic}工作。")
        if k % 3 == 0:
            paras.append(f"（一）开展{topic}健康教育；")
            paras.append(f"（二）改善{topic}环境。")
    return paras


def clauses(data: bytes, name: str) -> list[tuple[str, str]]:
    result = run_bytes(data, name)
    assert result.document is not None, result.errors
    return [(c.path, c.text.replace(" ", "")) for c in result.document.clauses]


@pytest.mark.parametrize("size,width,mirrored", [(12, 420, False), (10.5, 462, True), (16, 448, False)])
def test_pdf_gives_the_clause_list_of_the_docx(size, width, mirrored):
    line_chars = int(width // size)
    paras = regulation(line_chars)
    docx = clauses(B.simple_docx(["测试市健康促进条例"] + paras), "reg.docx")
    pdf = clauses(B.column_pdf("测试市健康促进条例", paras, size=size, width=width, mirrored=mirrored), "reg.pdf")
    assert len(docx) > 30
    assert pdf == docx


def test_full_last_line_does_not_swallow_the_next_paragraph():
    paras = regulation(35)
    full_line = paras[1]
    pdf = clauses(B.column_pdf("测试市健康促进条例", paras, size=12, width=420), "reg.pdf")
    texts = [t for _, t in pdf]
    assert full_line in texts and "县级以上人民政府卫生健康主管部门负责组织实施控烟工作。" in texts


SIMPLIFIED = ["第一条 为了加强学校卫生工作，提高学生健康水平，制定本办法。",
              "第二条 学校应当开展健康教育，落实学生每天校内体育活动时间。",
              "第三条 县级以上人民政府教育行政部门负责学校卫生工作的监督管理。"]


def test_traditional_variants_of_a_cid_font_become_simplified():
    pdf = B.column_pdf("学校卫生工作办法", SIMPLIFIED, traditional={"学": "學", "为": "為"})
    result = run_bytes(pdf, "school.pdf")
    text = "".join(c.text for c in result.document.clauses)
    assert "學" not in text and "為" not in text
    assert "为了加强学校卫生工作" in text and result.document.title == "学校卫生工作办法"


def test_characters_that_are_simplified_forms_stay():
    # 乾坤 keeps its 乾 (OpenCC converts by phrase); 干 is a simplified form and never changes
    paras = SIMPLIFIED + ["第四条 扭转乾坤，干部带头。"]
    result = run_bytes(B.column_pdf("学校卫生工作办法", paras, traditional={"学": "學"}), "school.pdf")
    text = "".join(c.text for c in result.document.clauses)
    assert "扭转乾坤，干部带头。" in text and "學" not in text


def test_traditional_document_is_left_alone():
    traditional = ["第一條 為了加強學校衛生工作，提高學生健康水平，制定本辦法。",
                   "第二條 學校應當開展健康教育，落實學生每天校內體育活動時間。"]
    result = run_bytes(B.column_pdf("學校衛生工作辦法", traditional), "tw.pdf")
    text = "".join(c.text for c in result.document.clauses)
    assert "為了加強學校衛生工作" in text and "學校應當開展健康教育" in text
