"""Lexical ranking, domain scores and reasons on small hand-written Chinese profiles."""
from __future__ import annotations

from pipeline.routing import ExpertIndex, ExpertProfile, draft_from_text, prepare_draft
from pipeline.routing.text import RELEVANT_WEIGHT, tokenize

from routing_data import committee, make_draft


def test_tokens_hold_words_and_bigrams():
    toks = tokenize("儿童青少年近视防控")
    assert "近视防控" in toks  # a domain term jieba learned
    assert "~近视" in toks and "~防控" in toks


def test_right_expert_first(index, tobacco_draft, myopia_draft):
    assert index.rank(tobacco_draft)[0].expert_id == 1
    assert index.rank(myopia_draft)[0].expert_id == 3


def test_right_expert_first_from_text_alone(index):
    draft = draft_from_text("农村饮水安全巩固提升方案\n加强农村饮用水水源保护和水质监测，管网末梢水质定期检测。")
    assert draft["screening"]["domains"] == []
    assert index.rank(draft)[0].expert_id == 2


def test_rank_scores_every_expert_best_first(index, tobacco_draft):
    ranked = index.rank(tobacco_draft)
    assert len(ranked) == len(index)
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert len(index.rank(tobacco_draft, top=2)) == 2


def test_expert_without_expertise_still_scores_from_domain(tobacco_draft):
    profiles = committee() + [ExpertProfile(9, "无描述控烟专家", domains=["tobacco_alcohol"])]
    ranked = ExpertIndex(profiles).rank(tobacco_draft)
    silent = next(m for m in ranked if m.expert_id == 9)
    assert silent.lexical == 0.0
    assert silent.domain == 1.0
    # Ranked with the tobacco expert, above everyone without the draft's main domain.
    assert [m.expert_id for m in ranked[:2]] == [1, 9]
    assert silent.matched_domains == ["tobacco_alcohol"]


def test_silent_expert_gets_peer_average_not_zero(tobacco_draft):
    profiles = committee() + [ExpertProfile(9, "无描述控烟专家", domains=["tobacco_alcohol"])]
    scores = ExpertIndex(profiles).score(tobacco_draft)
    # One tobacco peer (expert 1) with text: the silent expert inherits most of that peer's text score.
    assert scores.text_score[8] > 0.5
    assert scores.scores[8] > scores.scores[1]  # above the water expert


def test_reasons_name_domains_terms_and_clauses(index, tobacco_draft):
    best = index.rank(tobacco_draft, top=1)[0]
    assert best.matched_domains == ["tobacco_alcohol"]
    assert {"戒烟门诊", "吸烟"} & set(best.terms) or "控烟" in best.terms
    assert best.clauses and set(best.clauses) <= {"一", "二", "三"}
    assert "二" in best.clauses  # the only clause naming 戒烟门诊
    out = best.reasons.to_dict()
    assert {k: out[k] for k in ("domains", "terms", "clauses")} == {
        "domains": best.matched_domains, "terms": best.terms, "clauses": best.clauses}
    assert [e["path"] for e in out["evidence"]] == best.clauses


def test_reasons_clauses_point_at_the_matching_clause(index, myopia_draft):
    nutrition = next(m for m in index.rank(myopia_draft) if m.expert_id == 4)
    assert nutrition.clauses[0] == "二/（三）"  # the school meals clause


def test_screened_clauses_weigh_more(index):
    plain = prepare_draft(make_draft("方案", [("1", "控烟", []), ("2", "近视", [])]))
    tagged = prepare_draft(make_draft("方案", [("1", "控烟", ["tobacco_alcohol"]), ("2", "近视", [])]))
    assert tagged.segments[1].weight == RELEVANT_WEIGHT > plain.segments[1].weight
    assert tagged.query()["控烟"] > tagged.query()["近视"]
    assert plain.query()["控烟"] == plain.query()["近视"]


def test_draft_domains_combine_screening_and_text(index, myopia_draft):
    ranked = index.score(myopia_draft).ranked_domains()
    assert ranked[0] == ("school_health", 1.0)
    assert {c for c, _ in ranked[:3]} == {"school_health", "physical_activity", "nutrition_food"}
    assert all(0 < s <= 1 for _, s in ranked)


def test_domains_from_text_when_no_screening(index):
    draft = draft_from_text("控烟条例\n公共场所禁止吸烟，设立戒烟门诊。")
    assert index.score(draft).ranked_domains()[0][0] == "tobacco_alcohol"


def test_changed_profile_changes_ranking(tobacco_draft):
    profiles = committee()
    profiles[0].expertise = "地方病防治与碘缺乏病监测"
    profiles[0].domains = ["disease_control"]
    assert ExpertIndex(profiles).rank(tobacco_draft)[0].expert_id != 1
