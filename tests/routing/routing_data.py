"""Small hand-written Chinese committees and drafts shaped like ``pipeline.run_file(...).to_dict()``."""
from __future__ import annotations

from pipeline.routing import ExpertProfile


def make_draft(title: str, clauses: list[tuple[str, str, list[str]]],
               domains: list[tuple[str, float]] = ()) -> dict:
    """clauses: (path, text, domain codes tagged by the screening)."""
    return {
        "title": title,
        "clauses": [{"id": f"c{i:04d}", "path": path, "text": text, "page": 1, "determinants": [],
                     "domains": [{"code": c, "score": 1.0, "terms": []} for c in codes], "evidence": []}
                    for i, (path, text, codes) in enumerate(clauses, start=1)],
        "screening": {"questions": [], "populations": [],
                      "domains": [{"code": c, "score": s} for c, s in domains]},
    }


def committee() -> list[ExpertProfile]:
    return [
        ExpertProfile(1, "控烟专家", "主任医师", "市疾病预防控制中心", ["tobacco_alcohol"],
                      "控烟立法与公共场所禁烟执法评估，戒烟门诊服务与二手烟暴露监测"),
        ExpertProfile(2, "饮水专家", "教授", "医科大学公共卫生学院", ["environmental_health", "water_engineering"],
                      "农村饮水安全工程水质监测，饮用水消毒与管网末梢水质评价"),
        ExpertProfile(3, "近视专家", "主任医师", "市眼科医院", ["school_health"],
                      "儿童青少年近视防控，学生视力筛查与用眼行为干预"),
        ExpertProfile(4, "营养专家", "研究员", "市疾病预防控制中心", ["nutrition_food", "school_health"],
                      "学生营养餐与学校食堂食品安全，膳食营养监测"),
        ExpertProfile(5, "健身专家", "教授", "体育学院", ["physical_activity"],
                      "全民健身场地设施规划与运动促进健康"),
        ExpertProfile(6, "心理专家", "主任医师", "市安定医院", ["mental_health"],
                      "青少年心理健康筛查与心理危机干预"),
        ExpertProfile(7, "教研员", "高级教师", "滨海新区教育局教研室", ["school_health", "physical_activity"],
                      "中小学体育与健康课程教学研究，学生体质健康监测"),
        ExpertProfile(8, "慢病专家", "主任医师", "市第一中心医院", ["chronic_disease", "clinical_care"],
                      "高血压糖尿病社区综合防治与家庭医生签约服务"),
    ]


