"""The expert's review page is kept rendered per state of the seat: it must follow every change,
carry each session's own CSRF token, and never be served from the cache when it shows peers."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from review.audit.models import CommitteeSetting
from review.extensions import db
from review.reviews import operations as rops
from review.reviews import views
from review.reviews.models import ClauseComment, Opinion


@pytest.fixture
def builds(monkeypatch):
    """Counts how often the page body is built from the database (each build is a cache miss)."""
    calls = []
    original = views._review_context

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "_review_context", counting)
    return calls


def seat(loop, n=0):
    a = loop["sub"].round_assignments()[n]
    return a, a.expert.user


def page(client, a, query=""):
    response = client.get(f"/reviews/{a.id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_reload_is_served_from_the_cache(client, auth, loop, builds):
    a, user = seat(loop)
    auth.login(user.username)
    first = page(client, a)
    second = page(client, a)
    assert len(builds) == 1
    # The same page; only the CSRF token's signature may differ (it carries a timestamp).
    assert without_tokens(first) == without_tokens(second)
    assert loop["sub"].current_version.clauses[7].text in second


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


def test_the_page_follows_every_change_whoever_makes_it(client, auth, loop, builds, app):
    a, user = seat(loop)
    sub = loop["sub"]
    clause = sub.current_version.clauses[7]
    auth.login(user.username)
    assert "尚未提出逐条意见" in page(client, a)

    # An operation outside this page (as the API does) saves a comment.
    rops.save_comment(user, a, clause.id, {"text": "建议增加供餐标准", "severity": "high"})
    db.session.commit()
    assert "建议增加供餐标准" in page(client, a)

    # A direct edit of the comment row, and its deletion, are seen too.
    comment = db.session.scalar(db.select(ClauseComment).where(ClauseComment.clause_id == clause.id))
    comment.text = "改为每周公示菜谱"
    db.session.commit()
    html = page(client, a)
    assert "改为每周公示菜谱" in html and "建议增加供餐标准" not in html
    db.session.delete(comment)
    db.session.commit()
    assert "改为每周公示菜谱" not in page(client, a)

    # The office moves the deadline; the department's title changes.
    a.due = a.due + timedelta(days=3)
    sub.title = "校园健康促进行动实施方案（修订）"
    db.session.commit()
    html = page(client, a)
    assert str(a.due) in html and "（修订）" in html

    # The editor opens on the chosen clause only.
    editor = page(client, a, f"?clause={clause.id}")
    assert f'name="clause_id" value="{clause.id}"' in editor
    assert f'name="clause_id" value="{clause.id}"' not in page(client, a)

    # Language: the same seat in English.
    client.post("/locale/en", data={"next": f"/reviews/{a.id}"})
    assert "The draft, clause by clause" in page(client, a)
    client.post("/locale/zh_CN", data={"next": f"/reviews/{a.id}"})

    # Submitting locks the page.
    client.post(f"/reviews/{a.id}/opinion", data={"action": "submit", "summary": "同意", "recommendation": "approve"})
    html = page(client, a)
    assert "意见不可再修改" in html and 'name="action" value="submit"' not in html
    # Nine visits, eight builds: every visit after a change was built afresh; only the page without
    # the editor, seen before in this state, came from the cache.
    assert len(builds) == 8


def test_the_opinion_revision_is_raised_on_every_change(app, loop):
    a, user = seat(loop)
    clause = loop["sub"].current_version.clauses[7]
    rops.save_opinion(user, a, {"summary": "初稿"})
    db.session.commit()
    opinion = db.session.get(Opinion, a.opinion.id)
    revisions = [opinion.revision]
    for change in (
        lambda: rops.save_comment(user, a, clause.id, {"text": "一"}),
        lambda: setattr(opinion.comments[0], "severity", rops.Severity.low),
        lambda: rops.save_comment(user, a, clause.id, {"text": "", "suggestion": ""}),  # removes it
        lambda: rops.save_opinion(user, a, {"summary": "二稿"}),
    ):
        change()
        db.session.commit()
        db.session.expire_all()
        revisions.append(opinion.revision)
    assert revisions == sorted(set(revisions)) and len(revisions) == 5


def test_each_session_gets_its_own_csrf_token(app, client, auth, loop, make):
    a, user = seat(loop)
    auth.login(user.username)
    other = app.test_client()  # the same expert in a second browser
    other.post("/login", data={"username": user.username, "password": make.PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    mine = set(token.findall(page(client, a)))
    theirs = set(token.findall(page(other, a)))  # a cache hit: same seat, same state
    assert len(mine) == len(theirs) == 1 and mine != theirs
    clause = loop["sub"].current_version.clauses[7]
    data = {"clause_id": clause.id, "text": "意见"}
    json_ = {"Accept": "application/json"}
    refused = other.post(f"/reviews/{a.id}/comments", data={**data, "csrf_token": mine.pop()}, headers=json_)
    assert refused.status_code == 400
    saved = other.post(f"/reviews/{a.id}/comments", data={**data, "csrf_token": theirs.pop()}, headers=json_)
    assert saved.status_code == 200 and saved.get_json()["comment"]["text"] == "意见"


def test_a_page_that_shows_peers_is_kept_until_a_peer_changes(client, auth, loop, builds):
    """The stamp holds the submission's seats, their opinions' revisions and their experts' last
    edit: a reload is served from the cache, and any change the peers' section shows is a new key."""
    setting = CommitteeSetting(id=1, name="", experts_see_peers=True, anonymise_panel=False)
    db.session.add(setting)
    (a, user), (b, peer), (c, third) = seat(loop, 0), seat(loop, 1), seat(loop, 2)
    rops.save_opinion(peer, b, {"summary": "同行意见摘要", "recommendation": "modify"}, submit=True)
    db.session.commit()
    auth.login(user.username)
    assert "同行意见摘要" in page(client, a)
    assert "同行意见摘要" in page(client, a)
    assert len(builds) == 1
    rops.save_opinion(third, c, {"summary": "第三位专家的意见", "recommendation": "approve"}, submit=True)
    db.session.commit()
    html = page(client, a)
    assert "第三位专家的意见" in html and "同行意见摘要" in html and len(builds) == 2
    b.expert.name = "改名的同行"
    db.session.commit()
    assert "改名的同行" in page(client, a) and len(builds) == 3
    setting.anonymise_panel = True
    db.session.commit()
    html = page(client, a)
    assert "改名的同行" not in html and "专家B" in html and len(builds) == 4


def test_cache_size_zero_renders_every_view(app, client, auth, loop, builds):
    app.config["PAGE_CACHE_SIZE"] = 0
    a, user = seat(loop)
    auth.login(user.username)
    page(client, a)
    page(client, a)
    assert len(builds) == 2


def test_another_experts_seat_is_not_found(client, auth, loop, builds):
    a, _ = seat(loop, 0)
    _, other = seat(loop, 1)
    auth.login(other.username)
    assert client.get(f"/reviews/{a.id}").status_code == 404
    assert client.get("/reviews/999999").status_code == 404
    assert builds == []
