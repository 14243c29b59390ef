"""The login page in real Chromium: Chinese first, each role lands on its home page."""
from __future__ import annotations

from review.extensions import db
from tests.browser.conftest import login, screenshot
from tests.conftest import Factory


def test_login_in_chinese_and_role_home(live_app, live_server, new_page):
    with live_app.app_context():
        Factory(live_app).user("office", username="office-b")
        db.session.commit()
    page = new_page()
    page.goto("/login")
    assert page.locator("h1").inner_text() == "登录"
    login(page, "office-b", "wrong password")
    assert "用户名或密码错误" in page.content()
    login(page, "office-b", Factory.PASSWORD)
    assert "/office/" in page.url
    assert "送审" in page.locator("h1").inner_text()
    shot = screenshot(page, "office-home")
    assert shot.stat().st_size > 5000
