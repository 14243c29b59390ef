"""`flask --app wsgi route`: JSON Lines per file against the experts in the database."""
from __future__ import annotations

import json
import logging

HEADER = "name,title,affiliation,domains,expertise\n"
EXPERTS = HEADER + "\n".join([
    "控烟甲,主任医师,天津市疾病预防控制中心,tobacco_alcohol,控烟立法执法评估与无烟环境建设",
    "控烟乙,副主任医师,天津市胸科医院,tobacco_alcohol;clinical_care,戒烟门诊与戒烟药物治疗",
    "控烟丙,研究员,滨海新区教育局教研室,tobacco_alcohol;school_health,青少年控烟与电子烟危害",
    "健促甲,教授,天津医科大学,health_promotion,健康素养监测与健康传播",
    "营养甲,教授,天津医科大学公共卫生学院,nutrition_food,膳食营养与食品安全风险评估",
    "环境甲,研究员,天津市环境科学研究院,environmental_health,大气污染健康风险评估",
    "无文字,教授,天津大学,tobacco_alcohol,",
])
DRAFT = """关于加强公共场所控烟工作的通知
各街镇、各有关单位：
一、工作目标
（一）全面推进无烟环境建设。室内公共场所、工作场所全面禁止吸烟，禁止电子烟。
（二）加强戒烟服务。二级以上医院设立戒烟门诊，提供戒烟咨询和药物治疗。
二、工作措施
（一）加强执法检查。对违法吸烟行为依法处罚，对场所经营者落实控烟责任。
（二）开展控烟宣传。利用世界无烟日开展健康教育，提升居民健康素养。
"""


def _setup(runner, tmp_path):
    experts = tmp_path / "experts.csv"
    experts.write_text(EXPERTS, encoding="utf-8")
    assert runner.invoke(args=["experts", "import", str(experts)]).exit_code == 0
    draft = tmp_path / "控烟通知.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    return draft


def test_route_prints_panel_reasons_and_exclusions(runner, app, tmp_path):
    draft = _setup(runner, tmp_path)
    bad = tmp_path / "old.doc"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = runner.invoke(args=["route", str(draft), str(bad), "--department", "教育局", "--top", "3", "--json"])
    assert result.exit_code == 1  # one file failed
    first, second = [json.loads(line) for line in result.output.strip().splitlines()]
    assert first["file"] == str(draft)
    assert first["domains"][0]["code"] == "tobacco_alcohol"
    panel = first["panel"]
    assert len(panel) == 3
    assert {"expert_id", "name", "affiliation", "domains", "score", "reasons"} <= set(panel[0])
    assert panel[0]["reasons"]["domains"] and panel[0]["reasons"]["clauses"]
    names = {p["name"] for p in panel}
    assert "控烟丙" not in names  # works for the submitting department
    excluded = {e["name"]: [w["code"] for w in e["why"]] for e in first["excluded"]}
    assert excluded["控烟丙"] == ["conflict_affiliation"]
    assert first["alternates"] and not names & {a["name"] for a in first["alternates"]}
    assert second["status"] == "failure" and "docx" in second["error"]


def test_expert_without_text_still_scores_from_domains(runner, app, tmp_path):
    draft = _setup(runner, tmp_path)
    result = runner.invoke(args=["route", str(draft), "--top", "4", "--json"])
    data = json.loads(result.output)
    scored = {p["name"]: p["score"] for p in data["panel"] + data["alternates"]}
    assert scored.get("无文字", 0) > 0


def test_unloadable_embedding_model_falls_back_to_lexical(runner, app, tmp_path, caplog):
    draft = _setup(runner, tmp_path)
    app.config["EMBEDDING_MODEL"] = str(tmp_path / "no-such-model")
    with caplog.at_level(logging.WARNING):
        result = runner.invoke(args=["route", str(draft), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["panel"]
    warnings = [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
    assert len(warnings) == 1
