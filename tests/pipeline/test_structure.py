"""Structure stage: 公文 elements, heading tree, clauses, references; normalisation."""
import pytest

from pipeline.document import Block, RawDocument
from pipeline.stages.normalize import clean, matchable
from pipeline.stages.structure import (build, match_heading, normalize_doc_number, parse_date,
                                       split_list)


def doc_from(lines):
    return build(RawDocument(format="txt", pages=1, blocks=[Block(text=t, page=1) for t in lines]))


@pytest.mark.parametrize("text,number", [
    ("金政办发〔2020〕54号", "金政办发〔2020〕54号"),
    ("金政办发[2020]54号", "金政办发〔2020〕54号"),
    ("金政办发（2020）54号", "金政办发〔2020〕54号"),
    ("金政办发 〔 2020 〕 54 号", "金政办发〔2020〕54号"),
    ("宁健组办发(2023)2号", "宁健组办发〔2023〕2号"),
])
def test_doc_number_variants(text, number):
    assert normalize_doc_number(text) == number


def test_dates_and_lists():
    assert parse_date("2020年4月14日") == "2020-04-14"
    assert parse_date("2023 年 12 月 1 日") == "2023-12-01"
    assert parse_date("二〇二三年十二月一日") == "2023-12-01"
    assert parse_date("2023年13月1日") is None
    assert split_list("各县（市、区）卫生健康局，委机关各处室、直属各单位：") == [
        "各县（市、区）卫生健康局", "委机关各处室", "直属各单位"]


@pytest.mark.parametrize("text,expected", [
    ("一、总体要求", (3, "一", "总体要求")),
    ("（五）加强宣传", (4, "（五）", "加强宣传")),
    ("(五)加强宣传", (4, "（五）", "加强宣传")),
    ("2. 完善机制", (5, "2", "完善机制")),
    ("（3）开展筛查", (6, "（3）", "开展筛查")),
    ("第二章 监督管理", (0, "第二章", "监督管理")),
    ("第十条 本办法自发布之日起施行。", (2, "第十条", "本办法自发布之日起施行。")),
])
def test_match_heading(text, expected):
    assert match_heading(text) == expected


def test_not_headings():
    assert match_heading("2023年全市吸烟率下降") is None
    assert match_heading("一是加强领导") is None


def test_official_document_elements_and_paths():
    doc = doc_from([
        "测试市人民政府办公室文件",
        "测政办发〔2024〕3号",
        "关于印发测试市控烟工作方案的通知",
        "各区人民政府，市政府各部门：",
        "现将《测试市控烟工作方案》印发给你们，请认真贯彻执行。",
        "测试市人民政府办公室",
        "2024年5月6日",
        "一、总体目标",
        "（一）指导思想。以人民健康为中心，全面推进无烟环境建设。",
        "（二）主要目标",
        "1.到2025年，15岁以上人群吸烟率降至20%以下。",
        "2.建成无烟党政机关。",
        "二、重点任务",
        "（一）加强宣传。依据《中华人民共和国基本医疗卫生与健康促进法》和《关于进一步加强控烟履约工作的通知》（国卫规划发〔2021〕15号）开展宣传。",
        "抄送：市委办公室，市人大常委会办公室。",
        "测试市人民政府办公室 2024年5月7日印发",
    ])
    assert doc.title == "关于印发测试市控烟工作方案的通知"
    assert doc.doc_number == "测政办发〔2024〕3号"
    assert doc.issuer in ("测试市人民政府办公室",)
    assert doc.date == "2024-05-06"
    assert doc.addressees == ["各区人民政府", "市政府各部门"]
    assert doc.cc == ["市委办公室", "市人大常委会办公室"]
    assert [(c.kind, c.path) for c in doc.clauses[-2:]] == [("cc", ""), ("imprint", "")]
    assert [(h.path, h.level, h.text) for h in doc.headings] == [
        ("一", 1, "总体目标"), ("一/（一）", 2, "指导思想"), ("一/（二）", 2, "主要目标"),
        ("一/（二）/1", 3, "到2025年，15岁以上人群吸烟率降至20%以下"), ("一/（二）/2", 3, "建成无烟党政机关"),
        ("二", 1, "重点任务"), ("二/（一）", 2, "加强宣传")]
    body = [c for c in doc.clauses if c.kind == "body"]
    by_path = {c.path: c.text for c in body}
    # a heading followed by text in the same paragraph is also a clause
    assert by_path["一/（一）"] == "指导思想。以人民健康为中心，全面推进无烟环境建设。"
    assert "一/（二）" not in by_path
    assert [c.id for c in doc.clauses] == [f"c{i:04d}" for i in range(1, len(doc.clauses) + 1)]
    refs = {r.title: r.doc_number for r in doc.references}
    # the plan being issued is the draft itself, not a basis document
    assert refs == {"中华人民共和国基本医疗卫生与健康促进法": None,
                    "关于进一步加强控烟履约工作的通知": "国卫规划发〔2021〕15号"}


def test_rules_chapters_and_articles():
    doc = doc_from(["测试市控制吸烟办法", "第一章 总则", "第一条 为了控制吸烟，制定本办法。",
                    "第二条 本办法适用于本市行政区域。", "第二章 禁止吸烟场所",
                    "第十条 下列场所禁止吸烟：", "（一）学校；", "（二）医院。"])
    assert [h.path for h in doc.headings] == ["第一章", "第一章/第一条", "第一章/第二条", "第二章",
                                              "第二章/第十条", "第二章/第十条/（一）", "第二章/第十条/（二）"]
    assert doc.clauses[0].path == "第一章/第一条"
    assert doc.clauses[0].text == "为了控制吸烟，制定本办法。"


def test_clause_ids_deterministic():
    lines = ["标题", "一、目标", "正文一。", "二、任务", "正文二。"]
    assert [c.__dict__ for c in doc_from(lines).clauses] == [c.__dict__ for c in doc_from(lines).clauses]


def test_sibling_heading_swallowed_by_previous_paragraph_is_split():
    doc = doc_from(["标题方案", "一、任务", "(一)建立机制", "1.纳入规划。将工作纳入规划。(责任单位：市政府办)(二)完善政策",
                    "2.加强宣传。"])
    assert [h.path for h in doc.headings] == ["一", "一/（一）", "一/（一）/1", "一/（二）", "一/（二）/2"]


def test_clean_keeps_text_but_fixes_spaces():
    assert clean("到 2023 年， 全市 吸烟率\t下降") == "到2023年，全市吸烟率下降"
    assert clean("WHO  guideline") == "WHO guideline"
    assert matchable("“控烟”（ＡＢＣ１２３）") == '"控烟"(abc123)'


def test_pdf_export_artifacts_in_numbers_and_headings():
    doc = doc_from(["标题方案", "一、\t重点任务", "依据《宁夏社区戒烟综合干预工作实施方案》（宁健组办发〔2023〕2 号）开展工作。"])
    assert [(h.path, h.text) for h in doc.headings] == [("一", "重点任务")]
    assert doc.references[0].doc_number == "宁健组办发〔2023〕2号"
    assert doc.clauses[0].text == "依据《宁夏社区戒烟综合干预工作实施方案》（宁健组办发〔2023〕2号）开展工作。"


def test_colon_label_heading_and_no_false_addressees():
    doc = doc_from(["关于开展控烟检查的通知", "现将有关事项通知如下：", "一、检查内容", "（一）总体目标：到2025年建成无烟机关。",
                    "（二）检查范围："])
    assert doc.addressees == []
    assert doc.clauses[0].kind == "body"
    assert [(h.path, h.text) for h in doc.headings] == [("一", "检查内容"), ("一/（一）", "总体目标"), ("一/（二）", "检查范围")]
    assert [c.text for c in doc.clauses if c.path == "一/（一）"] == ["总体目标：到2025年建成无烟机关。"]


def test_reference_basis_flag():
    doc = doc_from(["标题", "一、依据", "根据《宁夏社区戒烟综合干预工作实施方案（2022—2023年）》和《自治区爱国卫生条例》，"
                    "发放《戒烟承诺书》，推广《帮你戒烟》小程序。"])
    basis = {r.title: r.basis for r in doc.references}
    assert basis == {"宁夏社区戒烟综合干预工作实施方案（2022—2023年）": True, "自治区爱国卫生条例": True,
                     "戒烟承诺书": False, "帮你戒烟": False}
