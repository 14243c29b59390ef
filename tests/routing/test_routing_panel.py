"""Panels for one draft: size, coverage of top domains, loads, alternates, JSON shape."""
from __future__ import annotations

from pipeline.routing import ExpertIndex, ExpertProfile, propose_panel
from routing_data import committee, make_draft

NEUTRAL = ["卫生健康委", "滨海新区卫生健康委员会"]


def test_panel_covers_top_domains(index, myopia_draft):
    proposal = propose_panel(myopia_draft, index, department=NEUTRAL, k=3)
    assert len(proposal.panel) == 3
    assert len(proposal.top_domains) == 3
    held = [set(m.expert.domains) for m in proposal.panel]
    for code in proposal.top_domains:
        assert any(code in h for h in held), code
    # Each top domain has its own seat holder.
    assert sorted(m.seat_domain for m in proposal.panel) == sorted(proposal.top_domains)
    assert all(m.seat_domain in m.expert.domains for m in proposal.panel)


def test_coverage_beats_raw_affinity():
    # Two strong school-health experts and a weak nutrition one: the nutrition seat must still be filled.
    profiles = [
        ExpertProfile(1, "甲", domains=["school_health"], expertise="学生视力筛查 近视防控 视力监测"),
        ExpertProfile(2, "乙", domains=["school_health"], expertise="近视防控 学生视力 用眼行为"),
        ExpertProfile(3, "丙", domains=["nutrition_food"], expertise="膳食"),
    ]
    draft = make_draft("近视防控方案", [("1", "学生视力筛查与近视防控", ["school_health"]),
                                  ("2", "学校食堂供餐", ["nutrition_food"])],
                       domains=[("school_health", 5.0), ("nutrition_food", 3.0)])
    index = ExpertIndex(profiles)
    two = propose_panel(draft, index, department=NEUTRAL, k=2)
    assert {m.expert.id for m in two.panel} in ({1, 3}, {2, 3})
    assert {m.seat_domain for m in two.panel} == {"school_health", "nutrition_food"}


def test_k_is_configurable_and_bounded_by_eligible_experts(index, tobacco_draft):
    assert len(propose_panel(tobacco_draft, index, department=NEUTRAL, k=1).panel) == 1
    assert len(propose_panel(tobacco_draft, index, department=NEUTRAL, k=5).panel) == 5
    assert len(propose_panel(tobacco_draft, index, department=NEUTRAL, k=20).panel) == len(index)


def test_top_domain_expert_takes_the_first_seat(index, tobacco_draft):
    proposal = propose_panel(tobacco_draft, index, department=NEUTRAL, k=2)
    assert proposal.panel[0].expert.id == 1
    assert proposal.panel[0].seat_domain == "tobacco_alcohol"


def test_overloaded_expert_skipped(tobacco_draft):
    profiles = committee()
    profiles[0].open_load = profiles[0].max_load
    proposal = propose_panel(tobacco_draft, ExpertIndex(profiles), department=NEUTRAL, k=2)
    assert 1 not in {m.expert.id for m in proposal.panel}
    assert [w.code for w in proposal.excluded[0].why] == ["overloaded"]


def test_alternates_back_each_seat(index, myopia_draft):
    proposal = propose_panel(myopia_draft, index, department=NEUTRAL, k=2, alternates=2)
    panel_ids = {m.expert.id for m in proposal.panel}
    assert len(proposal.alternates) == 2 * len(proposal.panel)
    for member in proposal.panel:
        backups = [a for a in proposal.alternates if a.replaces == member.expert.id]
        assert [a.rank for a in backups] == [1, 2]
        assert all(a.seat == member.seat and a.seat_domain == member.seat_domain for a in backups)
        assert not {a.expert.id for a in backups} & panel_ids
        if member.seat_domain == "school_health":
            # Same-domain experts come first: 7 (教研室) holds school_health.
            assert member.seat_domain in backups[0].expert.domains
        assert backups[0].match.score >= 0


def test_alternates_fall_back_to_best_scores(index, tobacco_draft):
    # Only expert 1 holds tobacco_alcohol: its alternates are simply the best remaining experts.
    proposal = propose_panel(tobacco_draft, index, department=NEUTRAL, k=1, alternates=3)
    scores = [a.match.score for a in proposal.alternates]
    assert scores == sorted(scores, reverse=True)


def test_to_dict_shape(index, tobacco_draft):
    out = propose_panel(tobacco_draft, index, department=NEUTRAL, k=2).to_dict()
    assert set(out) == {"domains", "panel", "alternates", "excluded"}
    assert out["domains"][0] == {"code": "tobacco_alcohol", "score": 1.0}
    scores = [d["score"] for d in out["domains"]]
    assert scores == sorted(scores, reverse=True)
    member = out["panel"][0]
    assert set(member) == {"expert_id", "name", "affiliation", "domains", "score", "reasons"}
    # the original keys stay; reasons in domain terms are added
    assert set(member["reasons"]) == {"domains", "terms", "clauses", "evidence", "expertise", "opinion", "scores"}
    assert member["expert_id"] == 1 and member["reasons"]["domains"] == ["tobacco_alcohol"]
    assert set(out["alternates"][0]) == set(member) | {"seat", "seat_domain", "replaces", "rank"}
    assert out["excluded"] == []


def test_alternate_with_seat_domain_ranks_before_higher_scoring_other():
    profiles = [
        ExpertProfile(1, "甲", domains=["school_health"], expertise="学生视力筛查与近视防控"),
        ExpertProfile(2, "乙", domains=["school_health"], expertise="学校饮用水卫生监督，教室采光照明与课桌椅配置检测评价"),
        ExpertProfile(3, "丙", domains=["physical_activity"], expertise="学生体育活动 户外活动 近视防控 视力筛查"),
    ]
    draft = make_draft("近视防控方案", [("1", "学生视力筛查与近视防控，增加户外活动和体育活动", ["school_health"])],
                       domains=[("school_health", 5.0), ("physical_activity", 4.0)])
    proposal = propose_panel(draft, ExpertIndex(profiles), department=NEUTRAL, k=1, alternates=2)
    assert [m.expert.id for m in proposal.panel] == [1]
    backups = proposal.alternates
    assert [a.expert.id for a in backups] == [2, 3]
    assert backups[1].match.score > backups[0].match.score  # the domain, not the score, put 乙 first
