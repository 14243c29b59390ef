"""Screening rubric loading and the screening stage on documents written here."""
import pytest

from pipeline.rubrics import RubricError, load_screening, screening
from pipeline.run import run_bytes

HEALTH = """关于印发测试区社区戒烟综合干预工作方案的通知
一、工作目标
到2025年，辖区15岁以上人群吸烟率下降至20%以下，建成无烟医疗卫生机构和无烟学校。
二、重点任务
（一）开展戒烟服务。基层医疗卫生机构开设戒烟门诊，为吸烟者提供戒烟咨询和药物治疗，家庭医生随访。
（二）加强控烟宣传。利用世界无烟日开展控烟宣传，普及烟草危害和二手烟危害知识，提高居民健康素养。
（三）关注重点人群。对慢性病患者、孕产妇和青少年开展吸烟干预，减少高血压、糖尿病等慢性病危险因素。
（四）公共场所禁烟。落实室内公共场所全面禁烟，加强执法检查，降低二手烟暴露。
（五）心理支持。对戒烟困难者提供心理疏导，缓解焦虑情绪。
（六）医保支持。将戒烟药物纳入医保报销范围，减轻困难群众负担。
"""

PROCEDURAL = """测试市市级财政资金支付管理办法
第一章 总则
第一条 为规范市级财政资金支付行为，提高资金使用效率，根据有关规定，制定本办法。
第二条 本办法适用于市级预算单位的财政资金支付。
第二章 支付程序
第三条 预算单位应当根据批复的部门预算和用款计划，提出支付申请。
第四条 财政部门对支付申请进行审核，审核通过后办理资金拨付。
第五条 统计报表应当于每月5日前报送，数据应当真实、准确、完整。
第三章 附则
第六条 本办法由市财政局负责解释，自印发之日起施行。
"""


def test_rubric_loads_and_is_consistent():
    rubric = screening()
    assert [q for q, _ in rubric.questions] == [f"Q{i}" for i in range(1, 11)]
    assert len({d.split(".")[0] for d in rubric.determinants}) == 12
    assert len(rubric.populations) >= 10
    assert {e.domain for e in rubric.lexicon} <= set(__import__("pipeline.rubrics").rubrics.domain_codes())


def test_broken_rubric_file_has_clear_error(tmp_path):
    bad = tmp_path / "screening.toml"
    bad.write_text("version = 1\n[rules\n", encoding="utf-8")
    with pytest.raises(RubricError, match="not valid TOML"):
        load_screening(bad)


def test_rubric_with_unknown_domain_code(tmp_path):
    text = (screening_path().read_text(encoding="utf-8")
            .replace('domain = "tobacco_alcohol"', 'domain = "tobaco"', 1))
    bad = tmp_path / "screening.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError, match="unknown domain code 'tobaco'"):
        load_screening(bad)


def test_rubric_schema_violation(tmp_path):
    text = screening_path().read_text(encoding="utf-8").replace("yes_clauses = 2", 'yes_clauses = "two"')
    bad = tmp_path / "screening.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError, match="rules/yes_clauses"):
        load_screening(bad)


def screening_path():
    from pipeline.rubrics import RUBRICS_DIR
    return RUBRICS_DIR / "screening.toml"


def test_health_relevant_draft():
    result = run_bytes(HEALTH.encode("utf-8"), "plan.txt")
    s = result.document.screening
    assert s.domains[0]["code"] == "tobacco_alcohol"
    assert s.major_impact and s.yes_count >= 3 and s.impact_level == "major"
    answers = {q.id: q for q in s.questions}
    assert answers["Q2"].answer == "是" and answers["Q7"].answer == "是"
    assert answers["Q8"].evidence  # medical insurance clause
    assert answers["Q1"].answer == "否" and answers["Q1"].evidence == []
    pops = {p["code"] for p in s.populations}
    assert {"pregnant_women", "children_youth", "chronic_mental_ill"} <= pops
    clause = next(c for c in result.document.clauses if c.path == "二/（一）")
    assert clause.domains[0]["code"] == "tobacco_alcohol" and "戒烟门诊" in clause.domains[0]["terms"]
    assert any(d["code"] == "behaviour.tobacco" and "戒烟门诊" in d["terms"] for d in clause.determinants)
    assert "家庭医生" in clause.evidence


def test_procedural_draft_is_not_major_impact():
    result = run_bytes(PROCEDURAL.encode("utf-8"), "finance.txt")
    s = result.document.screening
    assert result.status == "success"
    assert not s.major_impact and s.impact_level == "none"
    assert s.yes_count == 0
    assert all(q.answer == "否" for q in s.questions)


def test_one_clause_with_a_decisive_term_answers_yes():
    text = "关于做好暑期学生安全工作的通知\n一、加强教育\n各校要开展防溺水安全教育。\n二、其他\n请各单位与医院做好对接。"
    answers = {q.id: q for q in run_bytes(text.encode("utf-8"), "n.txt").document.screening.questions}
    assert answers["Q3"].answer == "是" and len(answers["Q3"].evidence) == 1  # 防溺水: unambiguous
    assert answers["Q9"].answer == "否"  # 医院 named in passing, nothing done to it: no evidence
    assert answers["Q1"].answer == "否"
