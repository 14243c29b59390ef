"""A submission under review with three experts, built through the operations."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from review.extensions import db
from tests.docs import LETTER, docx_bytes


def fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


EXPERTS = [
    ("甲专家", ["school_health"], "儿童青少年近视防控与学生体质监测"),
    ("乙专家", ["nutrition_food"], "学校食堂食品安全与学生营养餐"),
    ("丙专家", ["tobacco_alcohol"], "青少年控烟与电子烟危害"),
    ("丁专家", ["mental_health"], "学生心理危机干预"),
]


@pytest.fixture
def loop(app, make):
    """dict with dept, office, experts (users), sub (under review, 3 seats), due."""
    from review.reviews import operations as rops
    from review.routing.operations import propose_for_submission
    from review.submissions import operations as sops

    dept = make.user("department", username="edu", department="教育局", email="edu@example.cn")
    other = make.user("department", username="env", department="生态环境局")
    office = make.user("office", username="office", email="office@example.cn")
    experts = [make.user("expert", username=f"e{i}", expert_name=n, domains=d, expertise=x)
               for i, (n, d, x) in enumerate(EXPERTS)]
    for u in experts:
        u.email = f"{u.username}@example.cn"
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    sops.accept_submission(office, sub)
    panel = [m.expert.id for m in propose_for_submission(sub).panel]
    due = date.today() + timedelta(days=14)
    rops.assign_experts(office, sub, panel, due)
    db.session.commit()
    return {"dept": dept, "other": other, "office": office, "experts": experts, "sub": sub, "due": due}
