"""Panel reasons in domain terms: rubric terms and expertise phrases only, cited clauses, score parts."""
from __future__ import annotations

import pytest

from pipeline.routing import ExpertIndex, ExpertProfile
from pipeline.routing.reasons import load_stopwords, rubric_terms, stopwords
from pipeline.rubrics import RubricError
from routing_data import committee, make_draft

GENERIC = ("行动", "疾病", "模式", "参与", "主任", "意见")


@pytest.fixture(scope="module")
def generic_committee() -> ExpertIndex:
    """Profiles and a draft full of the generic words an expert would never accept as reasons."""
    return ExpertIndex(committee() + [
        ExpertProfile(9, "行动专家", "主任", "健康行动推进委员会办公室", ["health_promotion"],
                      "健康行动模式参与意见，疾病预防行动，控烟宣传",
                      opinions_text="建议在室内公共场所禁止吸烟的条款中明确执法主体。\n行动模式需要参与。"),
    ])


@pytest.fixture
def generic_draft() -> dict:
    return make_draft("社区控烟行动实施方案", [
        ("第一条", "为推动健康行动，创新参与模式，听取各方意见，制定本方案。", []),
        ("第二条", "室内公共场所全面禁止吸烟，社区卫生服务中心设立戒烟门诊。", ["tobacco_alcohol"]),
        ("第三条", "街道主任负责组织疾病预防行动。", []),
    ], domains=[("tobacco_alcohol", 9.0), ("health_promotion", 3.0)])


def test_generic_words_never_become_reasons(generic_committee, generic_draft):
    for m in generic_committee.rank(generic_draft):
        words = set(m.terms) | {t for e in m.evidence for t in e.terms}
        assert not words & set(GENERIC), (m.name, words)
    generic = next(m for m in generic_committee.rank(generic_draft) if m.expert_id == 9)
    profile = generic_committee.profile(9)
    assert generic.terms and all(t in rubric_terms() or t in profile.expertise for t in generic.terms)


def test_reason_cites_the_clause_with_its_rubric_terms(generic_committee, generic_draft):
    best = generic_committee.rank(generic_draft, top=1)[0]
    assert best.expert_id == 1 and best.matched_domains == ["tobacco_alcohol"]
    first = best.evidence[0]
    assert first.path == "第二条"
    assert first.citation.startswith("第二条“室内公共场所全面禁止吸烟")
    assert {"吸烟", "戒烟门诊"} <= set(first.terms)
    assert first.domain == "tobacco_alcohol"


def test_reason_names_the_experts_phrase_and_past_opinion(generic_committee, generic_draft):
    best = generic_committee.rank(generic_draft, top=1)[0]
    assert any("戒烟门诊" in p for p in best.expertise)
    other = next(m for m in generic_committee.rank(generic_draft) if m.expert_id == 9)
    assert other.opinion.startswith("建议在室内公共场所禁止吸烟")


def test_scores_are_the_two_named_parts(generic_committee, generic_draft):
    best = generic_committee.rank(generic_draft, top=1)[0]
    out = best.reasons.to_dict()
    assert set(out["scores"]) == {"domain", "expertise"}
    assert out["scores"]["domain"] == round(best.domain, 2)
    assert out["scores"]["expertise"] == round(best.text, 2)
    assert 0 < out["scores"]["expertise"] <= 1
    # the old keys are still there for the CLI's JSON readers
    assert {"domains", "terms", "clauses", "evidence", "expertise", "opinion"} <= set(out)


def test_stop_list_is_data_and_validated(tmp_path):
    assert set(GENERIC) <= stopwords()
    bad = tmp_path / "s.toml"
    bad.write_text('version = 1\nwords = ["行动", "行动"]\n', encoding="utf-8")
    with pytest.raises(RubricError):
        load_stopwords(bad)
