"""Changing one's password in real Chromium, under the app's CSP: the header links to the page,
the other browser is signed out, and the browser reports no CSP violation."""
from __future__ import annotations

import pytest

from review.extensions import db
from tests.browser.conftest import login
from tests.conftest import Factory

pytestmark = pytest.mark.browser


def test_password_change_signs_out_the_other_browser(live_app, live_server, new_page):
    with live_app.app_context():
        Factory(live_app).user("department", username="edu-b")
        db.session.commit()
    here, there = new_page(), new_page()
    violations = []
    for page in (here, there):
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        login(page, "edu-b", Factory.PASSWORD)
    here.click("header a[href='/account/password']")
    assert here.locator("h1").inner_text() == "修改密码"
    here.fill("input[name=current]", Factory.PASSWORD)
    here.fill("input[name=new]", "a brand new passphrase 9")
    here.fill("input[name=confirm]", "a brand new passphrase 9")
    here.click("main form button[type=submit]")
    here.wait_for_load_state("networkidle")
    assert "密码已修改" in here.content()
    there.reload()
    assert "/login" in there.url
    assert not violations, violations
