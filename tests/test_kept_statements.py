"""Statements kept per shape (review/plain.py) never carry one request's values into another's.

Each list builds its statement once per shape and takes the values as parameters. These tests open
the same shape with different values, and different viewers with the same shape, one after the
other in one process: every page must show what its own filters and viewer select."""
from __future__ import annotations

import re

from review import plain
from review.extensions import db
from review.registry.models import EntryStatus
from review.sheets import operations as sheet_ops
from review.submissions.models import PolicyType, Status, Submission
from tests.registry.builders import department, entry, login, titles
from tests.sheets.builders import Committee


def test_registry_viewers_and_filters_of_one_shape_each_get_their_own(app, make):
    make.user("department", username="edu", department="教育局")
    make.user("department", username="env", department="生态环境局")
    make.user("office", username="office")
    edu, env = department("教育局"), department("生态环境局")
    entry(edu, "校园控烟实施方案", level="major", yes=4, year=2026, text="校园内全面禁止吸烟。")
    entry(edu, "学生营养餐管理办法", level="minor", yes=1, year=2025, text="减少高盐高糖食品。",
          status=EntryStatus.in_force)
    entry(env, "大气污染防治方案", level="major", yes=3, year=2026, text="控制工业烟尘排放，禁止吸烟区。")
    db.session.commit()
    edu_client, env_client, office = login(app, "edu"), login(app, "env"), login(app, "office")
    for _ in range(2):  # the second pass runs on the statements the first one kept
        # Two departments, one shape: each sees its own entries only.
        assert titles(edu_client.get("/registry/").get_data(as_text=True)) == {
            "校园控烟实施方案", "学生营养餐管理办法"}
        assert titles(env_client.get("/registry/").get_data(as_text=True)) == {"大气污染防治方案"}
        # The same search shape for both departments: still each one's own.
        assert titles(edu_client.get("/registry/?q=吸烟").get_data(as_text=True)) == {"校园控烟实施方案"}
        assert titles(env_client.get("/registry/?q=吸烟").get_data(as_text=True)) == {"大气污染防治方案"}
        # The office: one filter shape, two values.
        assert titles(office.get(f"/registry/?department={edu.id}").get_data(as_text=True)) == {
            "校园控烟实施方案", "学生营养餐管理办法"}
        assert titles(office.get(f"/registry/?department={env.id}").get_data(as_text=True)) == {
            "大气污染防治方案"}
        assert titles(office.get("/registry/?year=2025").get_data(as_text=True)) == {"学生营养餐管理办法"}
        assert titles(office.get("/registry/?q=营养").get_data(as_text=True)) == {"学生营养餐管理办法"}
        assert titles(office.get("/registry/?q=烟尘").get_data(as_text=True)) == {"大气污染防治方案"}
        # The years a department's filter offers are its own.
        edu_years = re.findall(r'<option value="(\d{4})"', edu_client.get("/registry/").get_data(as_text=True))
        env_years = re.findall(r'<option value="(\d{4})"', env_client.get("/registry/").get_data(as_text=True))
        assert (edu_years, env_years) == (["2026", "2025"], ["2026"])
    # The numbers counted without any filter: every entry the viewer may see.
    from review.accounts.operations import create_token

    for username, total in (("office", 3), ("edu", 2), ("env", 1)):
        token = create_token(username)
        body = app.test_client().get("/api/v1/registry", headers={"Authorization": f"Bearer {token}"}).get_json()
        assert body["total"] == total


def test_queue_filters_of_one_shape_each_get_their_own(app, make):
    dept = make.user("department", username="d1")
    make.user("office", username="office")
    for title, status in (("控烟方案", Status.submitted), ("营养餐方案", Status.submitted),
                          ("退回的方案", Status.returned), ("审查中的方案", Status.under_review)):
        db.session.add(Submission(title=title, department_id=dept.department_id, policy_type=PolicyType.normative,
                                  created_by_id=dept.id, status=status))
    db.session.commit()
    office = login(app, "office")

    def titles(path: str) -> set[str]:
        html = office.get(path).get_data(as_text=True)
        return set(re.findall(r'href="/office/submissions/\d+">(?:<span lang="zh-CN">)?([^<]+)(?:</span>)?</a>', html))

    for _ in range(2):
        assert titles("/office/?status=submitted") == {"控烟方案", "营养餐方案"}
        assert titles("/office/?status=returned") == {"退回的方案"}
        assert titles("/office/?status=under_review&q=审查") == {"审查中的方案"}
        assert titles("/office/?status=submitted&q=营养") == {"营养餐方案"}
        assert titles("/office/?status=submitted&q=控烟") == {"控烟方案"}
        assert titles("/office/?status=&q=方案") == {"控烟方案", "营养餐方案", "退回的方案", "审查中的方案"}
    app.config["PAGE_SIZE"] = 1  # the totals: per status, over all, and of a search
    assert "page=2" in office.get("/office/?status=submitted").get_data(as_text=True)
    assert "page=2" not in office.get("/office/?status=returned").get_data(as_text=True)
    # All four counted: page 9 shows the last page, the fourth, the same as page 4.
    assert titles("/office/?status=&page=9") == titles("/office/?status=&page=4") != titles("/office/?status=&page=3")
    assert "page=2" in office.get("/office/?status=&q=方案").get_data(as_text=True)


def test_register_filters_of_one_shape_each_get_their_own(app, client, auth):
    committee = Committee()
    sheet_ops.issue_sheet(committee.office, committee.decided("approve", title="控烟方案"))
    sheet_ops.issue_sheet(committee.office, committee.decided("modify", title="食堂管理办法"))
    db.session.commit()
    auth.login(committee.justice.username)
    for _ in range(2):
        approve = client.get("/verify/register?conclusion=approve").get_data(as_text=True)
        modify = client.get("/verify/register?conclusion=modify").get_data(as_text=True)
        assert "控烟方案" in approve and "食堂管理办法" not in approve
        assert "食堂管理办法" in modify and "控烟方案" not in modify
        assert "控烟方案" in client.get("/verify/register?q=控烟").get_data(as_text=True)
        assert "控烟方案" not in client.get("/verify/register?q=食堂").get_data(as_text=True)


def test_expert_searches_of_one_shape_each_get_their_own(app, make):
    make.user("expert", expert_name="王营养", domains=["nutrition_food"], affiliation="营养学会")
    make.user("expert", expert_name="李环境", domains=["environment"], affiliation="环境研究院")
    make.user("admin", username="admin")
    admin = login(app, "admin")

    def names(q: str) -> set[str]:
        html = admin.get(f"/admin/experts?q={q}").get_data(as_text=True)
        return set(re.findall(r'href="/admin/experts/\d+">(?:<span lang="zh-CN">)?([^<]+)(?:</span>)?</a>', html))

    for _ in range(2):
        assert names("营养学会") == {"王营养"}
        assert names("环境研究院") == {"李环境"}
        assert names("王") == {"王营养"}
        assert names("") == {"王营养", "李环境"}
    # Counted over every expert when no search is set (a page a name: two pages).
    app.config["PAGE_SIZE"] = 1
    assert "page=2" in admin.get("/admin/experts").get_data(as_text=True)
    assert "page=2" not in admin.get("/admin/experts?q=王").get_data(as_text=True)


def test_a_kept_statement_takes_new_values_and_the_cap_clears_the_shapes(app, make):
    make.user("office", username="o1", display_name="甲")
    make.user("office", username="o2", display_name="乙")
    from review.accounts.models import User

    built = []

    def build():
        built.append(1)
        return db.select(User.display_name).where(User.username == db.bindparam("name"))

    shape = ("test", "by name")
    assert plain.rows(plain.built(shape, build), {"name": "o1"})[0][0] == "甲"
    assert plain.rows(plain.built(shape, build), {"name": "o2"})[0][0] == "乙"
    assert len(built) == 1  # built once, run twice with different values
    # A change not yet flushed is flushed first, as the session's own reads would.
    db.session.scalar(db.select(User).where(User.username == "o1")).display_name = "丙"
    assert plain.rows(plain.built(shape, build), {"name": "o1"})[0][0] == "丙"
    db.session.rollback()
    old_cap = plain.MAX_SHAPES
    try:
        plain.MAX_SHAPES = len(plain._built)
        plain.built(("test", "another"), build)  # over the cap: the kept shapes are dropped
        assert shape not in plain._built and ("test", "another") in plain._built
    finally:
        plain.MAX_SHAPES = old_cap
