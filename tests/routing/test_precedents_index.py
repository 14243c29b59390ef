"""The precedent index on its own: similar concluded drafts and commented clauses, no database."""
from __future__ import annotations

import pytest

from pipeline.routing import prepare_draft
from pipeline.routing.precedents import PastClause, PastDraft, PrecedentIndex
from routing_data import make_draft


@pytest.fixture(scope="module")
def index() -> PrecedentIndex:
    drafts = [
        PastDraft(1, "公共场所控烟管理办法", ["室内公共场所全面禁止吸烟。", "设立戒烟门诊，提供戒烟服务。"]),
        PastDraft(2, "农村饮水安全工程实施方案", ["加强农村饮用水水源保护。", "定期检测管网末梢水质。"]),
        PastDraft(3, "学校食堂食品安全管理办法", ["学校食堂落实校长陪餐制度。", "减少高盐高糖食品供应。"]),
    ]
    clauses = [
        PastClause(11, 1, "第二条", "室内公共场所全面禁止吸烟。", [{"text": "建议明确电子烟也在禁止之列"}]),
        PastClause(12, 3, "第三条", "减少高盐高糖食品供应。", [{"text": "建议给出减盐目标"}]),
        PastClause(13, 2, "第四条", "定期检测管网末梢水质。", []),  # no opinion: not indexed
    ]
    return PrecedentIndex(drafts, clauses)


@pytest.fixture
def smoking():
    return prepare_draft(make_draft("社区控烟行动方案", [
        ("一", "社区室内公共场所全面禁止吸烟，包括电子烟。", []), ("二", "组织健康讲座。", [])]))


def test_the_similar_draft_and_its_commented_clause_are_found(index, smoking):
    drafts = index.similar_drafts(smoking)
    assert [d.draft.key for d in drafts] == [1]
    assert 0 < drafts[0].score <= 1
    clauses = index.similar_clauses(smoking)
    assert [(c.path, c.past.key) for c in clauses] == [("一", 11)]
    assert {"公共场所", "吸烟"} <= set(clauses[0].shared)
    assert clauses[0].past.opinions == [{"text": "建议明确电子烟也在禁止之列"}]


def test_uncommented_clauses_are_not_indexed(index):
    water = prepare_draft(make_draft("饮水方案", [("一", "定期检测管网末梢水质，保障农村饮用水安全。", [])]))
    assert [d.draft.key for d in index.similar_drafts(water)] == [2]
    assert index.similar_clauses(water) == []


def test_excluded_and_unrelated(index, smoking):
    assert index.similar_drafts(smoking, exclude=(1,)) == []
    assert index.similar_clauses(smoking, exclude=(1,)) == []
    unrelated = prepare_draft(make_draft("档案管理办法", [("一", "档案应当按年度立卷归档。", [])]))
    assert index.similar_drafts(unrelated) == [] and index.similar_clauses(unrelated) == []
    assert PrecedentIndex([], []).similar_drafts(smoking) == []
