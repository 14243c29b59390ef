"""Role access: each role lands on its own home page and reaches only what it may."""
from __future__ import annotations

import pytest

ROLES = ["department", "office", "expert", "justice", "admin"]
HOME = {"department": "/submissions/", "office": "/office/",
        "expert": "/reviews/", "justice": "/verify/register", "admin": "/admin/"}
# Pages and who may open them.
PAGES = {
    "/submissions/": {"department"},
    "/submissions/new": {"department"},
    "/office/?status=submitted": {"office"},
    "/office/board": {"office"},
    "/office/settings": {"office", "admin"},
    "/reviews/": {"expert"},
    "/verify/register": {"justice", "office", "admin"},
    "/admin/": {"admin"},
    "/admin/experts": {"admin", "office"},
    "/followups/": {"department", "office", "admin"},
    "/stats/": {"office", "admin"},
    "/office/queue.xlsx": {"office"},
    "/office/board.xlsx": {"office"},
    "/verify/register.xlsx": {"justice", "office", "admin"},
}


def test_login_page_speaks_chinese(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and "公共政策健康审查" in page
    assert 'lang="zh-CN"' in page


def test_english_on_request(client):
    client.post("/locale/en", data={"next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page


def test_anonymous_is_sent_to_login(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_its_home_page(client, auth, make, role):
    make.user(role, username=f"u-{role}")
    response = auth.login(f"u-{role}")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith(HOME[role])
    assert client.get(home.headers["Location"], follow_redirects=True).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_role_reaches_only_its_pages(client, auth, make, role):
    make.user(role, username=f"u-{role}")
    auth.login(f"u-{role}")
    for path, allowed in PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), (role, path, status)


def test_wrong_password_and_inactive_user(client, auth, make):
    from review.extensions import db

    user = make.user("office", username="someone")
    page = auth.login("someone", "wrong password").get_data(as_text=True)
    assert "用户名或密码错误" in page
    assert client.get("/office/board").status_code == 302
    user.active = False
    db.session.commit()
    assert auth.login("someone").status_code == 200  # the form again, not a redirect
    assert client.get("/office/board").status_code == 302


def test_logout_needs_post_and_ends_session(client, auth, make):
    make.user("office", username="o1")
    auth.login("o1")
    assert client.get("/logout").status_code == 405
    auth.logout()
    assert client.get("/office/board").status_code == 302


def test_login_open_redirect_is_refused(client, make):
    make.user("office", username="o2")
    response = client.post("/login?next=https://evil.example/x", data={"username": "o2", "password": make.PASSWORD})
    assert response.headers["Location"] == "/"


def test_department_home_shows_only_own_department(client, auth, make, app):
    from review.extensions import db
    from review.submissions.models import PolicyType, Submission

    mine = make.user("department", username="edu", department="教育局")
    other = make.user("department", username="env", department="生态环境局")
    db.session.add_all([
        Submission(title="学校近视防控方案", department=mine.department, policy_type=PolicyType.normative, created_by=mine),
        Submission(title="大气污染防治条例", department=other.department, policy_type=PolicyType.rule, created_by=other),
    ])
    db.session.commit()
    auth.login("edu")
    page = client.get("/submissions/").get_data(as_text=True)
    assert "学校近视防控方案" in page and "大气污染防治条例" not in page


def test_csrf_is_enforced_on_forms(csrf_app, make):
    client = csrf_app.test_client()
    make_ = type(make)(csrf_app)
    make_.user("office", username="o3")
    response = client.post("/login", data={"username": "o3", "password": make.PASSWORD})
    assert response.status_code == 400  # no CSRF token
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "o3", "password": make.PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_login_attempts_are_limited_per_account(tmp_path, monkeypatch, make):
    from review import create_app
    from review.extensions import db as _db

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "rl"))
    monkeypatch.setenv("REVIEW_LOGIN_RATE_LIMIT", "3 per minute")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        _db.create_all()
        type(make)(app).user("office", username="target")
    client = app.test_client()
    codes = [client.post("/login", data={"username": "target", "password": "guess"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another account from the same address is not locked out.
    assert client.post("/login", data={"username": "other", "password": "x"}).status_code == 200
