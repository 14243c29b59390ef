"""The office's "add another expert by name" field asks for names as it is typed; the detail page
no longer lists every expert of the committee."""
from __future__ import annotations

from review.experts.models import Expert
from review.extensions import db


def test_names_are_suggested_to_the_office_only(client, auth, make):
    make.user("office", username="office")
    make.user("department", username="edu")
    make.user("expert", username="e1", expert_name="王小明", affiliation="天津医科大学")
    make.user("expert", username="e2", expert_name="李王芳", affiliation="南开大学")
    make.user("expert", username="e3", expert_name="张三", affiliation="王氏研究所")
    make.user("expert", username="e4", expert_name="王退休", affiliation="天津医科大学")
    db.session.scalar(db.select(Expert).where(Expert.name == "王退休")).active = False
    make.user("expert", username="e5", expert_name="刘_百分%", affiliation="天津大学")
    db.session.commit()
    auth.login("office")
    names = client.get("/office/experts/names?q=王").get_json()["names"]
    # Names that start with it first, then the others that hold it (name or affiliation); not the inactive.
    assert {n["name"] for n in names} == {"王小明", "李王芳", "张三"}
    assert names[0] == {"name": "王小明", "affiliation": "天津医科大学"}
    # LIKE wildcards are the characters they look like.
    assert [n["name"] for n in client.get("/office/experts/names?q=_百分%").get_json()["names"]] == ["刘_百分%"]
    assert client.get("/office/experts/names?q=%").get_json()["names"][0]["name"] == "刘_百分%"
    assert client.get("/office/experts/names?q=").get_json() == {"names": []}
    assert client.get("/office/experts/names?q=%E7%8E%8B%00%01").get_json()["names"]  # controls dropped
    auth.logout()
    auth.login("edu")
    assert client.get("/office/experts/names?q=王").status_code == 403
