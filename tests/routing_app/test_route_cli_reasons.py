"""`flask route --json` keeps its keys and adds the reasons in domain terms."""
from __future__ import annotations

import json

from tests.routing_app.test_route_cli import _setup

GENERIC = {"行动", "疾病", "模式", "参与", "主任", "意见"}


def test_route_json_reasons_cite_clauses_and_score_parts(runner, app, tmp_path):
    draft = _setup(runner, tmp_path)
    result = runner.invoke(args=["route", str(draft), "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[0])
    for member in out["panel"]:
        reasons = member["reasons"]
        assert {"domains", "terms", "clauses", "evidence", "expertise", "opinion", "scores"} <= set(reasons)
        assert set(reasons["scores"]) == {"domain", "expertise"}
        assert all(0 <= v <= 1 for v in reasons["scores"].values())
        words = set(reasons["terms"]) | {t for e in reasons["evidence"] for t in e["terms"]}
        assert not words & GENERIC
    best = out["panel"][0]["reasons"]
    assert best["evidence"] and best["evidence"][0]["citation"].startswith(("一、", "二、", "“"))
    assert best["evidence"][0]["path"] in best["clauses"]
