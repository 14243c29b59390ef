"""Calibration: agreement of the automatic screening with the experts' final answers, page and API."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from review.accounts.operations import create_token
from review.extensions import db
from review.screening.calibration import QuestionAgreement, screening_calibration


def test_kappa_matches_a_hand_computed_table():
    q = QuestionAgreement("Q1", "传染病")
    # system 是 ×6 (expert 是 4, 否 2), system 否 ×4 (expert 是 1, 否 3)
    q.confusion["是"]["是"], q.confusion["是"]["否"], q.confusion["否"]["是"], q.confusion["否"]["否"] = 4, 2, 1, 3
    q.pairs, q.agree = 10, 7
    po, pe = 0.7, (6 * 5 + 4 * 5) / 100
    assert q.rate == pytest.approx(0.7)
    assert q.kappa == pytest.approx((po - pe) / (1 - pe))
    same = QuestionAgreement("Q2", "慢性病")
    same.confusion["否"]["否"], same.pairs, same.agree = 5, 5, 5
    assert same.rate == 1.0 and same.kappa is None  # undefined: both raters always said 否
    assert QuestionAgreement("Q3", "伤害").kappa is None


def test_agreement_counts_each_experts_final_answers(world):
    cal = screening_calibration()
    assert cal.opinions == 3
    by_id = {q.id: q for q in cal.questions}
    assert len(by_id) == 10
    q6 = by_id["Q6"]
    assert q6.pairs == 3 and q6.agree == 2
    for qid, q in by_id.items():
        if qid != "Q6":
            assert q.pairs == 3 and q.agree == 3, qid
    assert [d["question"] for d in cal.disagreements] == ["Q6"]
    d = cal.disagreements[0]
    assert d["system"] == world["system"]["Q6"] and d["expert"] != d["system"]
    assert d["title"] == world["old"].title
    evidence = next(q for q in world["old"].current_version.screening["questions"] if q["id"] == "Q6")["evidence"]
    assert len(d["clauses"]) == len(evidence[:5])
    assert all("“" in c for c in d["clauses"])  # cited as 第N条“…” / 一、“…”


def test_calibration_is_two_statements_whatever_the_volume(world):
    n = [0]

    def count(*_a, **_k):
        n[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        screening_calibration()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert n[0] <= 2


def test_office_page_and_api(world, client, auth):
    auth.login("office")
    page = client.get("/screening/calibration").get_data(as_text=True)
    assert 'href="/screening/calibration"' in page  # linked from the office nav
    assert 'data-question="Q6"' in page and world["old"].title in page
    token = create_token("office")
    resp = client.get("/api/v1/stats/screening", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    body = resp.get_json()
    q6 = next(q for q in body["questions"] if q["id"] == "Q6")
    assert (q6["pairs"], q6["agree"], q6["rate"]) == (3, 2, round(2 / 3, 3))
    assert body["disagreements"][0]["question"] == "Q6"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/stats/screening" in spec["paths"]


def test_only_the_office_reads_calibration(world, client, auth):
    auth.login("edu")
    assert client.get("/screening/calibration").status_code == 403
    token = create_token("edu")
    assert client.get("/api/v1/stats/screening", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.application.test_client().get("/api/v1/stats/screening").status_code == 401
