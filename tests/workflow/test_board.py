"""The progress board: one line per review that opens into its seats, with deadlines (colour and
text), clause comments per expert and the last activity of each seat and review."""
from __future__ import annotations

import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from review.calendar import local_today
from review.extensions import db
from review.reviews import operations as rops


def _details(html: str, sub_id: int) -> str:
    found = re.search(rf'<details[^>]*id="board-{sub_id}".*?</details>', html, re.S)
    assert found, "the review has no expandable line"
    return found.group(0)


def test_board_line_expands_into_seats_with_deadlines_comments_and_activity(client, auth, loop):
    sub = loop["sub"]
    first, second, third = sub.round_assignments()
    clauses = [c for c in sub.current_version.clauses if c.kind == "body"]
    user = first.expert.user
    for clause in clauses[:2]:
        rops.save_comment(user, first, clause.key, {"text": "建议明确责任主体。"})
    rops.save_comment(user, first, None, {"text": "总体意见，不计入条款意见。"})
    second.due = local_today() - timedelta(days=2)  # this seat is late
    third.due = local_today() + timedelta(days=1)
    db.session.commit()
    last_comment = max(c.created_at for c in first.opinion.comments)

    auth.login("office")
    with client.session_transaction() as s:
        s["locale"] = "en"
    html = _details(client.get("/office/board").get_data(as_text=True), sub.id)
    summary = re.search(r"<summary>.*?</summary>", html, re.S).group(0)
    assert sub.title in summary
    assert "days overdue" not in summary  # the review's deadline is the office's, two weeks away
    left = (sub.review_due or loop["due"]) - local_today()
    assert f"{left.days} days left" in summary and "due-ok" in summary
    assert "2 clause comments" in summary  # the general comment is not a clause comment
    rows = re.findall(r"<tr[^>]*>\s*<td>(.*?)</tr>", html.split("</thead>")[1], re.S)
    by_name = {re.sub(r"<[^>]+>", "", r.split("</td>")[0]): r for r in rows}
    late = by_name[second.expert.name]
    assert 'class="due due-overdue"' in late and "2 days overdue" in late
    assert "1 days left" in by_name[third.expert.name] and "due-soon" in by_name[third.expert.name]
    mine = by_name[first.expert.name]
    assert "<td>2</td>" in mine and "<td>0</td>" in late
    stamp = (last_comment if last_comment.tzinfo else last_comment.replace(tzinfo=timezone.utc))
    local = stamp.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert local in mine and local in summary  # the seat's and the review's last activity


def test_board_speaks_chinese_with_its_deadline_words(client, auth, loop):
    sub = loop["sub"]
    sub.round_assignments()[0].due = local_today() - timedelta(days=3)
    db.session.commit()
    auth.login("office")
    html = _details(client.get("/office/board").get_data(as_text=True), sub.id)
    assert "逾期3天" in html and "条款意见" in html and "最近活动" in html


def test_a_kept_board_line_follows_every_change_it_shows(app, client, auth, loop):
    """Board lines are rendered once and kept (review/office/fragments.py); any change the line
    shows (a comment, a deadline, an expert's name, the language) gives a fresh line."""
    assert app.config["PAGE_CACHE_SIZE"] > 0
    sub = loop["sub"]
    first = sub.round_assignments()[0]
    auth.login("office")
    before = _details(client.get("/office/board").get_data(as_text=True), sub.id)
    assert before == _details(client.get("/office/board").get_data(as_text=True), sub.id)
    clause = next(c for c in sub.current_version.clauses if c.kind == "body")
    rops.save_comment(first.expert.user, first, clause.key, {"text": "建议明确责任主体。"})
    db.session.commit()
    html = _details(client.get("/office/board").get_data(as_text=True), sub.id)
    assert "条款意见1条" in html and "条款意见1条" not in before
    first.due = local_today() - timedelta(days=4)
    db.session.commit()
    assert "逾期4天" in _details(client.get("/office/board").get_data(as_text=True), sub.id)
    first.expert.name = "改名专家"
    db.session.commit()
    assert "改名专家" in _details(client.get("/office/board").get_data(as_text=True), sub.id)
    with client.session_transaction() as s:
        s["locale"] = "en"
    assert "4 days overdue" in _details(client.get("/office/board").get_data(as_text=True), sub.id)


def test_the_kept_screening_report_is_the_versions_in_the_viewers_language(app, client, auth, loop):
    sub = loop["sub"]
    auth.login("office")
    zh = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "初筛" in zh and zh.count('id="screening"') == 1
    with client.session_transaction() as s:
        s["locale"] = "en"
    en = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "Initial screening (10 questions)" in en and "Structure and clauses" in en
