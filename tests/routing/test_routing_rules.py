"""Hard exclusions: each conflict rule, inactivity, load and availability, with reason codes."""
from __future__ import annotations

from datetime import date

import pytest

from pipeline.routing import EXCLUSION_CODES, ExpertIndex, propose_panel
from pipeline.routing.rules import department_names, exclusions, names_match
from routing_data import committee

PERIOD = (date(2026, 6, 1), date(2026, 6, 30))


def codes(expert, **kw):
    kw.setdefault("department", department_names(["卫生健康委", "滨海新区卫生健康委员会"]))
    return [w.code for w in exclusions(expert, **kw)]


@pytest.mark.parametrize("names", [["教育局"], ["滨海新区教育局"], ["教育局", "滨海新区教育局"]])
def test_affiliation_inside_department_is_a_conflict(names):
    assert names_match("滨海新区教育局教研室", department_names(names))


def test_affiliation_of_other_department_is_not_a_conflict():
    assert names_match("滨海新区教育局教研室", department_names(["体育局", "滨海新区体育局"])) is None
    assert names_match("医院", department_names(["滨海新区医院管理中心"])) is None  # too short to match reversed


def test_short_affiliation_contained_in_department_matches():
    assert names_match("教育局", department_names(["滨海新区教育局"]))


@pytest.mark.parametrize("affiliation, department", [
    ("滨海新区卫健委疾病预防控制科", ["卫生健康委", "天津市滨海新区卫生健康委员会"]),  # abbreviation vs full name
    ("天津市滨海新区卫生健康委员会", ["区卫健委"]),
    ("滨海新区卫生计生委", ["滨海新区卫生健康委员会"]),  # the name before the 2018 reform
    ("区环保局监测站", ["生态环境局", "滨海新区生态环境局"]),
    ("滨海新区市场监督管理局", ["市场监管局"]),
    ("滨海新区 人力资源和社会保障局（就业科）", ["人社局"]),  # spaces and brackets too
])
def test_abbreviations_and_former_names_are_the_same_body(affiliation, department):
    assert names_match(affiliation, department_names(department))


def test_aliases_do_not_join_different_bodies():
    assert names_match("滨海新区卫健委", department_names(["生态环境局", "滨海新区生态环境局"])) is None
    assert names_match("天津市教育委员会", department_names(["滨海新区教育局"])) is None  # 教委 is not 教育局


def test_declared_conflict_by_abbreviation_excludes():
    e = committee()[0]
    e.conflict_departments = ["卫健委"]
    assert codes(e) == ["conflict_declared"]


def test_each_rule_excludes_with_its_code():
    e = committee()[6]  # 滨海新区教育局教研室
    assert codes(e, department=department_names(["教育局", "滨海新区教育局"])) == ["conflict_affiliation"]
    e = committee()[0]
    e.conflict_departments = ["滨海新区卫生健康委员会"]
    assert codes(e) == ["conflict_declared"]
    assert codes(committee()[0], drafters={1}) == ["conflict_drafting"]
    e = committee()[0]
    e.active = False
    assert codes(e) == ["inactive"]
    e = committee()[0]
    e.open_load = e.max_load = 2
    assert codes(e) == ["overloaded"]
    e = committee()[0]
    e.unavailable = [(date(2026, 6, 20), date(2026, 7, 10))]
    assert codes(e, period=PERIOD) == ["unavailable"]
    assert codes(e, period=(date(2026, 8, 1), date(2026, 8, 31))) == []
    assert codes(e) == []  # no period given: availability is not checked


def test_reasons_listed_together_in_code_order():
    e = committee()[0]
    e.active, e.open_load, e.max_load = False, 3, 3
    assert codes(e, drafters={1}) == ["conflict_drafting", "inactive", "overloaded"]
    assert list(EXCLUSION_CODES) == ["conflict_affiliation", "conflict_declared", "conflict_drafting",
                                     "inactive", "overloaded", "unavailable"]


def test_proposal_lists_every_excluded_expert_with_reason(myopia_draft):
    profiles = committee()
    profiles[0].conflict_departments = ["教育局"]
    profiles[1].open_load = 3
    profiles[4].unavailable = [(date(2026, 6, 10), date(2026, 6, 12))]
    profiles[5].active = False
    index = ExpertIndex(profiles)
    proposal = propose_panel(myopia_draft, index, department=["教育局", "滨海新区教育局"], drafters={3},
                             period=PERIOD)
    why = {e["expert_id"]: [w["code"] for w in e["why"]] for e in proposal.to_dict()["excluded"]}
    assert why == {1: ["conflict_declared"], 2: ["overloaded"], 3: ["conflict_drafting"], 5: ["unavailable"],
                   6: ["inactive"], 7: ["conflict_affiliation"]}
    assert all(w["detail"] for e in proposal.to_dict()["excluded"] for w in e["why"])
    panel = {m.expert.id for m in proposal.panel}
    alternates = {a.expert.id for a in proposal.alternates}
    assert not (panel | alternates) & set(why)
    # The myopia expert (3) drafted and the 教研室 expert (7) belongs to the department: the best
    # remaining school-health expert takes the seat.
    assert panel == {4, 8} and len(proposal.panel) == 2  # only two eligible experts left
