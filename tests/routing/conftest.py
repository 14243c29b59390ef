"""Fixtures for the routing tests; the data lives in ``routing_data``."""
from __future__ import annotations

import pytest

from pipeline.routing import ExpertIndex, ExpertProfile
from routing_data import committee, make_draft


@pytest.fixture(scope="module")
def experts() -> list[ExpertProfile]:
    return committee()


@pytest.fixture(scope="module")
def index() -> ExpertIndex:
    return ExpertIndex(committee())


@pytest.fixture
def myopia_draft() -> dict:
    return make_draft("滨海新区儿童青少年近视防控工作实施方案", [
        ("一", "为贯彻落实上级文件精神，结合本区实际，制定本方案。", []),
        ("二/（一）", "学校要落实视力筛查制度，每学期开展两次学生视力监测，建立视力健康档案。", ["school_health"]),
        ("二/（二）", "保障学生每天校内体育活动时间不少于一小时，鼓励户外活动预防近视。", ["physical_activity", "school_health"]),
        ("二/（三）", "学校食堂提供营养均衡的学生餐，减少高糖饮料供应。", ["nutrition_food"]),
        ("三", "本方案自印发之日起施行，由区教育局负责解释。", []),
    ], domains=[("school_health", 10.0), ("physical_activity", 6.0), ("nutrition_food", 4.0)])


@pytest.fixture
def tobacco_draft() -> dict:
    return make_draft("关于进一步加强公共场所控烟工作的通知", [
        ("一", "室内公共场所、工作场所和公共交通工具内全面禁止吸烟。", ["tobacco_alcohol"]),
        ("二", "医疗机构设立戒烟门诊，为吸烟者提供戒烟服务。", ["tobacco_alcohol", "clinical_care"]),
        ("三", "加强控烟执法检查，对违法吸烟行为依法处罚。", ["tobacco_alcohol"]),
    ], domains=[("tobacco_alcohol", 9.0), ("clinical_care", 2.0)])
