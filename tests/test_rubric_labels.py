"""The screening rubric's words have an English label for every code, and the Chinese reader sees
the rubric's own wording (the one printed on the 初筛表 and the sheet)."""
from __future__ import annotations

from pipeline.rubrics import screening
from review import rubric_labels as L


def test_every_rubric_code_has_a_catalogue_label():
    rubric = screening()
    assert {q for q, _ in rubric.questions} == set(L.QUESTIONS) == set(L.OUTCOMES)
    assert {code for code, _zh, _terms in rubric.populations} == set(L.POPULATIONS)
    codes = set(rubric.determinants) | {c.split(".")[0] for c in rubric.determinants}
    assert codes == set(L.DETERMINANTS)


def _in(app, locale: str):
    ctx = app.test_request_context()
    ctx.push()
    from flask import session

    session["locale"] = locale
    return ctx


def test_labels_follow_the_reader(app):
    rubric = screening()
    reason = {"citation": "二、（一）", "determinant": "饮食", "outcome": "慢性病风险（儿童青少年）",
              "text": "二、（一） 保障学生营养 → 饮食 → 慢性病风险（儿童青少年）"}
    ctx = _in(app, "en")
    try:
        assert L.question_topic({"id": "Q2", "topic": "重点慢性病"}) == "Major chronic diseases"
        assert L.answer_label("不知道") == "Unknown"
        assert L.population_label({"code": "older_people", "zh": "老年人"}) == "Older people"
        assert L.determinant_label("behaviour.diet", "饮食") == "Diet"
        assert L.reason_parts(reason) == ("二、（一）", "保障学生营养", "Diet",
                                          "chronic-disease risk (Children and adolescents)")
    finally:
        ctx.pop()
    ctx = _in(app, "zh_CN")
    try:
        for qid, topic in rubric.questions:
            assert L.question_topic({"id": qid, "topic": topic}) == topic
        assert L.answer_label("是") == "是"
        assert L.reason_parts(reason)[2:] == ("饮食", "慢性病风险（儿童青少年）")
    finally:
        ctx.pop()
