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
