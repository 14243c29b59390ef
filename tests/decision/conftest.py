"""A concluded submission with clause comments and expert screening answers, and a new similar draft."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from review.extensions import db
from tests.docs import DRAFT_LINES, LETTER, docx_bytes

EXPERTS = [
    ("甲专家", ["school_health"], "儿童青少年近视防控与学生体质监测"),
    ("乙专家", ["nutrition_food"], "学校食堂食品安全与学生营养餐"),
    ("丙专家", ["tobacco_alcohol"], "青少年控烟与电子烟危害"),
    ("丁专家", ["mental_health"], "学生心理危机干预"),
]
CANTEEN = "学校食堂"
OPINION = "建议明确含糖饮料的供应限制"
NEW_LINES = ["关于加强中小学校园健康管理的通知", "各中小学：",
             "一、加强学校食堂食品安全管理。严格落实校长陪餐制度，减少高盐高糖高脂食品供应。",
             "二、推进控烟工作。校园内全面禁止吸烟。", "滨海新区生态环境局", "2026年5月1日"]


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def submit_draft(sops, dept, title: str, lines: list[str]):
    staged = sops.stage_submission(dept, {"title": title, "policy_type": "normative",
                                          "contact_name": "张三", "contact_phone": "022-12345678"},
                                   draft=fs(docx_bytes(lines), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    return sops.confirm_submission(dept, staged)


@pytest.fixture
def world(app, make):
    """dict: dept, other, office, experts, old (concluded, commented), new (submitted, other dept)."""
    from review.reviews import operations as rops
    from review.routing.operations import propose_for_submission
    from review.submissions import operations as sops

    dept = make.user("department", username="edu", department="教育局")
    other = make.user("department", username="env", department="生态环境局")
    office = make.user("office", username="office")
    experts = [make.user("expert", username=f"e{i}", expert_name=n, domains=d, expertise=x)
               for i, (n, d, x) in enumerate(EXPERTS)]
    old = submit_draft(sops, dept, "校园健康促进行动实施方案", DRAFT_LINES)
    sops.accept_submission(office, old)
    panel = [m.expert.id for m in propose_for_submission(old).panel]
    rops.assign_experts(office, old, panel, date.today() + timedelta(days=14))
    db.session.commit()
    canteen = next(c for c in old.current_version.clauses if CANTEEN in c.text)
    system = {q["id"]: q["answer"] for q in (old.current_version.screening or {}).get("questions") or []}
    for n, a in enumerate(old.round_assignments()):
        user = a.expert.user
        rops.respond(user, a, "accept")
        # The first expert changes Q6 against the system, the others confirm it.
        answers = dict(system)
        if n == 0 and "Q6" in answers:
            answers["Q6"] = "否" if answers["Q6"] != "否" else "是"
        rops.save_opinion(user, a, {"recommendation": "modify", "summary": "意见摘要", "screening": answers,
                                    "comments": [{"clause": canteen.key, "text": OPINION,
                                                  "suggestion": "禁止供应含糖饮料", "severity": "medium"}]},
                          submit=True)
        db.session.commit()
    rops.decide(office, old, "modify")
    db.session.commit()
    new = submit_draft(sops, other, "关于加强中小学校园健康管理的通知", NEW_LINES)
    db.session.commit()
    return {"dept": dept, "other": other, "office": office, "experts": experts, "old": old, "new": new,
            "system": system, "panel": panel}
