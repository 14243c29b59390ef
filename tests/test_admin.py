from datetime import date

from review.accounts.models import User
from review.experts.models import Expert
from review.extensions import db


def test_admin_creates_and_deactivates_users(client, auth, make):
    make.user("admin", username="root")
    auth.login("root")
    client.post("/admin/users/new", data={"username": "edu2", "password": "tulip river 93a", "role": "department",
                                          "department": "教育局"})
    user = db.session.scalar(db.select(User).where(User.username == "edu2"))
    assert user.department.name == "教育局"
    page = client.post("/admin/users/new", data={"username": "x", "password": "tulip river 93a", "role": "department"},
                       follow_redirects=True).get_data(as_text=True)
    assert "部门用户必须选择所属部门" in page and "needs" not in page  # the admin's language, no CLI wording
    client.post(f"/admin/users/{user.id}/active")
    db.session.expire_all()
    assert not db.session.get(User, user.id).active


def test_admin_account_errors_are_in_the_readers_language(client, auth, make):
    make.user("admin", username="root")
    auth.login("root")
    refused = {"username": "root", "password": "tulip river 93a", "role": "office"}
    page = client.post("/admin/users/new", data=refused, follow_redirects=True).get_data(as_text=True)
    assert "用户root已存在" in page and "already exists" not in page
    page = client.post("/admin/users/new", data={"username": "e9", "password": "tulip river 93a", "role": "expert",
                                                 "expert": "无此人"}, follow_redirects=True).get_data(as_text=True)
    assert "没有名为无此人的专家档案" in page and "no expert profile" not in page
    with client.session_transaction() as s:
        s["locale"] = "en"
    page = client.post("/admin/users/new", data=refused, follow_redirects=True).get_data(as_text=True)
    assert "The user root already exists." in page and "已存在" not in page


def test_account_errors_outside_a_request(app, make):
    """Background work and the CLI raise the same errors without a request: English-free wording of
    the default locale, never a crash."""
    from review.accounts.operations import AccountError, create_user

    make.user("admin", username="root")
    for kwargs in ({"username": "root", "role": "office"}, {"username": "x", "role": "department"},
                   {"username": "y", "role": "expert", "expert_name": "无此人"}):
        try:
            create_user(kwargs.pop("username"), kwargs.pop("role"), "tulip river 93a", **kwargs)
        except AccountError as exc:
            assert str(exc) and not any(w in str(exc) for w in ("--", "needs", "exists"))
        else:
            raise AssertionError(kwargs)


def test_office_edits_an_expert_profile(client, auth, make, app):
    make.user("office", username="o")
    expert = Expert(name="张专家", domains=["chronic_disease"], title="教授")
    db.session.add(expert)
    db.session.commit()
    auth.login("o")
    client.post(f"/admin/experts/{expert.id}", data={"action": "save", "title": "主任医师", "affiliation": "某医院",
                                                     "domains": ["chronic_disease", "elderly_care"], "max_load": "2",
                                                     "active": "1", "expertise": "高血压"})
    client.post(f"/admin/experts/{expert.id}", data={"action": "unavailable", "start": "2026-12-01", "end": "2026-12-20"})
    db.session.expire_all()
    e = db.session.get(Expert, expert.id)
    assert e.domains == ["chronic_disease", "elderly_care"] and e.max_load == 2 and e.title == "主任医师"
    assert e.is_unavailable(date(2026, 12, 5), date(2026, 12, 6))
    bad = client.post(f"/admin/experts/{expert.id}", data={"action": "save", "domains": [], "max_load": "2"})
    assert bad.status_code == 200
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).domains == ["chronic_disease", "elderly_care"]


def test_department_user_cannot_reach_admin(client, auth, make):
    make.user("department", username="d")
    auth.login("d")
    assert client.post("/admin/users/new", data={"username": "x"}).status_code == 403
    assert client.get("/admin/experts/1").status_code == 403


def test_expert_search_finds_domains_by_label(client, auth, make):
    make.user("office", username="o")
    db.session.add_all([Expert(name="甲", domains=["chronic_disease"], expertise="高血压管理"),
                        Expert(name="乙", domains=["elderly_care", "chronic_disease"], expertise="医养结合"),
                        Expert(name="丙", domains=["school_health"], expertise="近视防控")])
    db.session.commit()
    auth.login("o")

    def names(q):
        page = client.get("/admin/experts", query_string={"q": q}).get_data(as_text=True)
        return {n for n in "甲乙丙" if f"<td>{n}</td>" in page or f">{n}<" in page}

    assert names("慢性病") == {"甲", "乙"}  # by the domain's Chinese label
    assert names("chronic") == {"甲", "乙"}  # by its code or English label
    assert names("近视") == {"丙"}  # expertise text still searched


def test_admin_edits_a_user_and_picks_from_searchable_lists(client, auth, make):
    from review.accounts.models import Department

    make.user("admin", username="root")
    edu = make.user("department", username="edu2", department="教育局")
    db.session.add(Expert(name="未绑定专家", domains=["chronic_disease"], affiliation="某大学"))
    env = Department(name="生态环境局", full_name="滨海新区生态环境局")
    db.session.add(env)
    db.session.commit()
    auth.login("root")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'list="department-list"' in page and '<option value="生态环境局" lang="zh-CN">滨海新区生态环境局</option>' in page
    assert '<option value="未绑定专家" lang="zh-CN">某大学</option>' in page  # experts without a login, to link
    assert 'href="/verify/register"' in page  # the sheet register is one click away
    response = client.post(f"/admin/users/{edu.id}", data={"display_name": "王敏", "email": "wm@example.cn",
                                                            "department": "滨海新区生态环境局"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, edu.id)
    assert (user.display_name, user.email, user.department.name) == ("王敏", "wm@example.cn", "生态环境局")
    bad = client.post(f"/admin/users/{edu.id}", data={"display_name": "王敏", "email": "not an address",
                                                       "department": "教育局"}, follow_redirects=True)
    assert bad.status_code == 200 and "用户未保存" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, edu.id).email == "wm@example.cn"
