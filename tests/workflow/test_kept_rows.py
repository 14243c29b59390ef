"""The rows of the queue and the expert list are rendered once and kept (review/pagecache.py:
list_rows); any value a row shows that changes gives fresh rows."""
from __future__ import annotations

import re
from datetime import timedelta

from review.extensions import db


def _row(html: str, text: str) -> str:
    return next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if text in r)


def test_kept_queue_rows_follow_the_submission(app, client, auth, loop):
    assert app.config["PAGE_CACHE_SIZE"] > 0
    sub = loop["sub"]
    auth.login("office")
    url = "/office/?status=under_review&sort=due&dir=asc"
    first = _row(client.get(url).get_data(as_text=True), sub.title)
    assert first == _row(client.get(url).get_data(as_text=True), sub.title)
    sub.review_due = loop["due"] + timedelta(days=3)
    db.session.commit()
    assert str(loop["due"] + timedelta(days=3)) in _row(client.get(url).get_data(as_text=True), sub.title)
    sub.department.full_name = "滨海新区教育体育局"
    db.session.commit()
    assert "滨海新区教育体育局" in _row(client.get(url).get_data(as_text=True), sub.title)


def test_kept_expert_rows_follow_loads_and_profiles(app, client, auth, loop):
    sub = loop["sub"]
    seat = sub.round_assignments()[0]
    expert = seat.expert
    auth.login("office")
    row = _row(client.get("/admin/experts").get_data(as_text=True), expert.name)
    assert f"1 / {expert.max_load}" in row
    expert.max_load = 9
    expert.affiliation = "南开大学公共卫生学院"
    db.session.commit()
    row = _row(client.get("/admin/experts").get_data(as_text=True), expert.name)
    assert "1 / 9" in row and "南开大学公共卫生学院" in row
    from review.reviews.models import AssignmentStatus

    seat.status = AssignmentStatus.declined  # the seat no longer counts in the load
    db.session.commit()
    assert "0 / 9" in _row(client.get("/admin/experts").get_data(as_text=True), expert.name)
