"""JSON payloads go through the same text validation as the forms (review/validation.py)."""
from __future__ import annotations

import json

from review.extensions import db
from review.reviews.models import Opinion
from tests.api.helpers import seat


def test_json_text_is_cleaned_and_a_line_field_with_breaks_is_refused(api, people, under_review):
    expert = people.experts[0]
    aid = seat(under_review, expert).id
    clause = under_review.current_version.clauses[2]
    # A lone surrogate and NUL cannot be stored as UTF-8 text; ESC would break the sheet's XML.
    def body(determinant: str) -> str:
        return json.dumps({"recommendation": "modify", "summary": "摘要\ud800\x00", "submit": False,
                           "comments": [{"clause": clause.key, "text": "建议\x1b修改", "determinant": determinant}]})

    r = api.post(f"/api/v1/assignments/{aid}/opinion", expert, data=body("饮食\n习惯"),
                 content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "text_line_break" and r.json["field"] == "determinant"
    assert db.session.scalar(db.select(db.func.count(Opinion.id))) == 0
    r = api.post(f"/api/v1/assignments/{aid}/opinion", expert, data=body("饮食习惯"), content_type="application/json")
    assert r.status_code == 200, r.json
    opinion = db.session.scalar(db.select(Opinion))
    assert opinion.summary == "摘要" and opinion.comments[0].text == "建议修改"


def test_a_reason_too_long_is_refused_with_its_limit(api, people, under_review):
    r = api.post(f"/api/v1/submissions/{under_review.id}/withdraw", people.dept, json={"reason": "因" * 5001})
    assert r.status_code == 400 and r.json["error"] == "text_too_long" and r.json["field"] == "reason"
