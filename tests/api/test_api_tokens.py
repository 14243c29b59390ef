"""The API takes bearer tokens only; tokens expire, are revoked, and are listed for the admin."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from review.accounts.models import ApiToken
from review.accounts.operations import create_token
from review.extensions import db


def browser_login(app, user, password):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": password}).status_code == 302
    return client


def test_the_browser_session_cookie_does_not_authenticate_the_api(app, make, people, parse_once):
    # A same-site page could make a signed-in browser send this request with its cookie and no
    # CSRF token: the API must not treat it as the user.
    client = browser_login(app, people.office, make.PASSWORD)
    with app.app_context():
        assert client.get("/submissions/", follow_redirects=False).status_code != 401  # the page session works
        r = client.get("/api/v1/submissions")
    assert r.status_code == 401 and r.json["error"] == "unauthorized"
    dept = browser_login(app, people.dept, make.PASSWORD)
    with app.app_context():
        r = dept.post("/api/v1/submissions", data={"title": "跨站提交"})
    assert r.status_code == 401
    from review.submissions.models import Submission

    assert db.session.scalar(db.select(db.func.count(Submission.id))) == 0


def test_expired_and_revoked_tokens_get_401_with_a_translated_reason(api, people):
    token = create_token(people.office.username, "OA", days=30)
    db.session.commit()
    assert api.get("/api/v1/submissions", token=token).status_code == 200
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "OA"))
    assert row.last_used_at is not None
    row.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    r = api.get("/api/v1/submissions", token=token, headers={"Accept-Language": "en"})
    assert r.status_code == 401 and r.json["error"] == "unauthorized" and "expired" in r.json["detail"]
    r = api.get("/api/v1/submissions", token=token, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 401 and "过期" in r.json["detail"]

    fresh = create_token(people.office.username, "OA 2")
    db.session.commit()
    db.session.scalar(db.select(ApiToken).where(ApiToken.name == "OA 2")).revoked_at = datetime.now(timezone.utc)
    db.session.commit()
    r = api.get("/api/v1/submissions", token=fresh, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 401 and "吊销" in r.json["detail"]
    r = api.get("/api/v1/submissions", headers={"Accept-Language": "en"})
    assert r.status_code == 401 and "Authorization: Bearer" in r.json["detail"]


def test_admin_lists_creates_and_revokes_tokens(app, api, make, people):
    token = create_token(people.office.username, "办公系统")
    db.session.commit()
    api.get("/api/v1/submissions", token=token)
    admin = browser_login(app, people.admin, make.PASSWORD)
    with app.app_context():
        page = admin.get("/admin/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    row = re.search(r'<tr data-token="(\d+)">(.*?)</tr>', page, re.S)
    assert "办公系统" in row.group(2) and "office" in row.group(2) and "Never" not in row.group(2)
    assert "Active" in row.group(2) and token not in page  # only the hash is stored
    with app.app_context():
        admin.post(f"/admin/tokens/{row.group(1)}/revoke")
    assert api.get("/api/v1/submissions", token=token).status_code == 401
    with app.app_context():
        page = admin.get("/admin/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Revoked" in page

    with app.app_context():
        page = admin.post("/admin/tokens", data={"username": "office", "name": "司法局系统", "days": "30"},
                          headers={"Accept-Language": "en"}).get_data(as_text=True)
    shown = re.search(r'<code class="token">(hiap_[^<]+)</code>', page).group(1)
    assert api.get("/api/v1/submissions", token=shown).status_code == 200
    stored = db.session.scalar(db.select(ApiToken).where(ApiToken.name == "司法局系统"))
    assert stored.token_hash != shown
    assert 29 < (stored.expires_at.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).days + 1 <= 30
    with app.app_context():
        assert api.client.get("/admin/tokens").status_code in (302, 401)  # the API client has no session


def test_only_admins_see_the_token_page(app, make, people):
    office = browser_login(app, people.office, make.PASSWORD)
    with app.app_context():
        assert office.get("/admin/tokens").status_code == 403
        assert office.post("/admin/tokens/1/revoke").status_code == 403
