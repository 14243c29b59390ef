"""Small defects seen in the browser (issue #13): each check failed before its fix."""
from __future__ import annotations

import re


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # ICO header
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_login_page_links_to_the_public_verification_page(client):
    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">核验意见书', page)
    assert link and link.group(1) == "/verify/"
    assert client.get(link.group(1)).status_code == 200  # reachable without signing in


def test_brand_does_not_repeat_itself(client, app):
    page = client.get("/login").get_data(as_text=True)
    brand = re.search(r'<a class="brand"[^>]*>(.*?)</a>', page, re.S).group(1)
    text = re.sub(r"<[^>]+>", " ", brand)
    assert "公共政策健康审查系统" in text and "公共政策健康审查 " not in text.replace("公共政策健康审查系统", "")
    assert app.config["COMMITTEE_NAME"] in text


def test_exclusions_and_audit_actions_are_worded_in_chinese(app):
    from review.i18n import action_label, exclusion_detail

    with app.test_request_context("/"):
        detail = exclusion_detail("conflict_affiliation", {"affiliation": "滨海新区教育局", "department": "教育局"})
        assert detail == "滨海新区教育局 隶属于教育局"
        assert exclusion_detail("unavailable", {"start": "2026-12-01", "end": "2026-12-31"}) == "2026-12-01 至 2026-12-31 不可参审"
        assert exclusion_detail("overloaded", None) == ""
        assert action_label("legality_intake") == "已登记合法性审查接收"



def test_printed_verification_address_without_a_code_asks_for_it(client):
    from urllib.parse import quote

    serial = "健审〔2026〕第1号"
    response = client.get(f"/verify/{quote(serial, safe='')}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="ask-code"' in page and "核验码" in page and serial in page
    assert "不得" not in page  # no "must not be relied on" before the code is even asked for


def test_a_page_number_past_the_end_or_too_large_shows_the_last_page(app, client, auth, make):
    """A stale link or a typed ?page=: the last page, never a 500 (a number past SQLite's INTEGER
    reached OFFSET and raised OverflowError)."""
    from review.audit.models import Notification
    from review.extensions import db

    office = make.user("office", username="office")
    make.user("admin", username="admin")
    make.user("justice", username="justice")
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        db.session.add(Notification(user_id=office.id, kind="reminder", message=f"第{n}条提醒", params={}, url="/"))
    db.session.commit()
    huge = "99999999999999999999"
    auth.login("office")
    for path in (f"/office/?status=&page={huge}", f"/office/board?page={huge}", f"/registry/?page={huge}",
                 f"/notifications/?page={huge}"):
        assert client.get(path).status_code == 200, path
    page = client.get("/notifications/?page=7").get_data(as_text=True)
    assert "第 3 / 3 页" in page  # the last of three pages, not an empty "page 7 of 3"
    auth.logout()
    for user, path in (("admin", f"/admin/experts?page={huge}"), ("justice", f"/verify/register?page={huge}")):
        auth.login(user)
        assert client.get(path).status_code == 200, path
        auth.logout()
