"""Registry pages and API: visibility, filters, search, sorting, publication, the inventory and exports."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from review.accounts.operations import create_token
from review.experts.models import Expert
from review.extensions import db
from review.registry.models import EntryOrigin, EntryStatus, RegistryEntry
from tests.registry.builders import department, entry, login, reviewed_round, titles
from tests.registry.docs import bomb_zip, mixed_zip


def registry(app, make):
    """Two departments' entries; the office, a user of each department and an expert."""
    edu_user = make.user("department", username="edu", department="教育局")
    make.user("department", username="env", department="生态环境局")
    office = make.user("office", username="office")
    make.user("expert", username="exp")
    expert = db.session.scalar(db.select(Expert))
    edu, env = department("教育局"), department("生态环境局")
    a = entry(edu, "校园控烟实施方案", level="major", yes=4, year=2026, text="校园内全面禁止吸烟，禁止销售电子烟。")
    reviewed_round(a, office, expert, seq=1)
    entry(edu, "学生营养餐管理办法", level="minor", yes=1, year=2025, text="减少高盐高糖高脂食品供应。",
          status=EntryStatus.in_force)
    entry(edu, "机关档案管理办法", level="none", year=2026, text="文书档案整理归档。")
    entry(env, "大气污染防治方案", level="major", yes=3, year=2026, text="控制工业烟尘排放，保护居民健康。")
    db.session.commit()
    return {"edu_user": edu_user, "a": a, "env": env}


def test_a_department_sees_only_its_own_entries(app, make):
    data = registry(app, make)
    office, edu = login(app, "office"), login(app, "edu")
    assert titles(office.get("/registry/").get_data(as_text=True)) == {
        "校园控烟实施方案", "学生营养餐管理办法", "机关档案管理办法", "大气污染防治方案"}
    page = edu.get("/registry/?department=%d" % data["env"].id).get_data(as_text=True)
    assert titles(page) == set()  # the department filter cannot widen a department's view
    assert titles(edu.get("/registry/").get_data(as_text=True)) == {"校园控烟实施方案", "学生营养餐管理办法", "机关档案管理办法"}
    other = db.session.scalar(db.select(RegistryEntry).filter_by(title="大气污染防治方案"))
    assert edu.get(f"/registry/{other.id}").status_code == 404
    assert office.get(f"/registry/{other.id}").status_code == 200
    assert login(app, "exp").get("/registry/").status_code == 403
    token = create_token("edu")
    body = app.test_client().get("/api/v1/registry", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["total"] == 3 and {i["department"] for i in body["items"]} == {"教育局"}
    assert app.test_client().get("/api/v1/registry", headers={
        "Authorization": f"Bearer {create_token('exp')}"}).status_code == 403
    assert app.test_client().get("/api/v1/registry").status_code == 401


def test_filters_search_and_sorting(app, make):
    data = registry(app, make)
    office = login(app, "office")

    def shown(query):
        return titles(office.get("/registry/?" + query).get_data(as_text=True))

    assert shown("impact=major") == {"校园控烟实施方案", "大气污染防治方案"}
    assert shown("status=in_force") == {"学生营养餐管理办法"}
    assert shown("year=2025") == {"学生营养餐管理办法"}
    assert shown("reviewed=yes") == {"校园控烟实施方案"}
    assert shown("reviewed=no&impact=major") == {"大气污染防治方案"}
    assert shown(f"department={data['env'].id}") == {"大气污染防治方案"}
    assert shown("q=电子烟") == {"校园控烟实施方案"}  # clause text
    assert shown("q=营养餐") == {"学生营养餐管理办法"}  # title
    assert shown("q=烟") == {"校园控烟实施方案", "大气污染防治方案"}  # one character: a prefix of the bigrams
    assert shown("q=高盐+高糖") == {"学生营养餐管理办法"}  # every term
    assert shown("q=垃圾分类") == set()
    assert shown('q="%2A)+OR+(') == set()  # FTS syntax in a query is plain text, not a 500
    html = office.get("/registry/?sort=yes&dir=desc").get_data(as_text=True)
    order = re.findall(r'href="/registry/\d+">(?:<span lang="zh-CN">)?([^<]+)(?:</span>)?</a>', html)
    assert order[:2] == ["校园控烟实施方案", "大气污染防治方案"]
    bad = office.get("/registry/?status=nonsense", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert bad.status_code == 200
    token = create_token("office")
    api = app.test_client()
    r = api.get("/api/v1/registry?impact=major&reviewed=yes", headers={"Authorization": f"Bearer {token}"})
    item = r.get_json()["items"][0]
    assert r.get_json()["total"] == 1 and item["title"] == "校园控烟实施方案" and item["yes_count"] == 4
    assert item["reviews"] == [{"submission_id": item["reviews"][0]["submission_id"], "round": 1,
                                "conclusion": "approve", "sheet_serial": "滨健审〔2026〕1号"}]
    r = api.get("/api/v1/registry?status=nonsense", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_filter" and r.get_json()["field"] == "status"
    # Past the end: the API's page is empty (a client reads until one is), the page shows the last one.
    r = api.get("/api/v1/registry?impact=major&reviewed=yes&page=5", headers={"Authorization": f"Bearer {token}"})
    assert r.get_json()["items"] == [] and r.get_json()["total"] == 1
    assert "校园控烟实施方案" in office.get("/registry/?impact=major&reviewed=yes&page=5").get_data(as_text=True)


def test_publication_recorded_on_the_entry_page(app, make):
    data = registry(app, make)
    edu = login(app, "edu")
    a = data["a"]
    page = edu.get(f"/registry/{a.id}").get_data(as_text=True)
    assert "滨健审〔2026〕1号" in page and 'name="doc_number"' in page
    r = edu.post(f"/registry/{a.id}/publish", data={"doc_number": "", "published_on": "2026-03-01"},
                 follow_redirects=True)
    assert "文号" in r.get_data(as_text=True)  # the specific message, in Chinese by default
    edu.post(f"/registry/{a.id}/publish", data={"doc_number": "滨教发〔2026〕3号", "published_on": "2026-03-01"})
    db.session.expire_all()
    a = db.session.get(RegistryEntry, a.id)
    assert a.status is EntryStatus.in_force and a.doc_number == "滨教发〔2026〕3号"
    edu.post(f"/registry/{a.id}/status", data={"status": "abolished", "on": "2026-06-01", "note": "被替代"})
    db.session.expire_all()
    assert db.session.get(RegistryEntry, a.id).status is EntryStatus.abolished
    env = login(app, "env")
    assert env.post(f"/registry/{a.id}/status", data={"status": "revised", "on": "2026-06-01"}).status_code == 404


def test_inventory_page_runs_the_job_and_shows_the_heatmap(app, make):
    make.user("department", username="edu", department="教育局")
    edu = login(app, "edu")
    assert edu.get("/registry/inventory").status_code == 200
    r = edu.post("/registry/inventory", data={"files": [(io.BytesIO(mixed_zip()), "存量文件.zip")]},
                 content_type="multipart/form-data")
    assert r.status_code == 302 and "/registry/inventory/" in r.headers["Location"]
    result = edu.get(r.headers["Location"], headers={"Accept-Language": "en"})
    html = result.get_data(as_text=True)
    assert "3 documents read: " in html and "1 could not be read" in html
    assert 'class="table heatmap"' in html and "heat-yes" in html and ">Yes<" in html and "Why this answer" in html
    assert "infectious disease" in html  # the question names in the user's language
    assert "Scanned document, no text layer" in html  # the refused file and why
    from review.jobs.models import Job

    job = db.session.scalar(db.select(Job))
    assert job.status.value == "done" and job.done == job.total == 4
    assert {e.origin for e in db.session.scalars(db.select(RegistryEntry))} == {EntryOrigin.inventory}
    # Another user's job is not theirs to see; a zip bomb is refused at once, saying why.
    make.user("department", username="env", department="生态环境局")
    assert login(app, "env").get(r.headers["Location"]).status_code == 404
    r = edu.post("/registry/inventory", data={"files": [(io.BytesIO(bomb_zip()), "炸弹.zip")]},
                 content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert r.status_code == 200 and "zip bomb" in r.get_data(as_text=True)


def test_xlsx_export_escapes_formulas(app, make):
    registry(app, make)
    entry(department("教育局"), "=HYPERLINK(\"http://evil.example\",\"点击\")", level="minor", yes=1)
    db.session.commit()
    r = app.test_client().get("/api/v1/registry.xlsx", headers={"Authorization": f"Bearer {create_token('office')}"})
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert len(rows) == 1 + 5
    assert "'=HYPERLINK(\"http://evil.example\",\"点击\")" in [row[1] for row in rows]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    for username, status in (("edu", 200), ("exp", 403)):
        r = app.test_client().get("/api/v1/registry.xlsx", headers={"Authorization": f"Bearer {create_token(username)}"})
        assert r.status_code == status
    assert app.test_client().get("/api/v1/registry.xlsx").status_code == 401
    page = login(app, "edu").get("/registry/export.xlsx?impact=major")
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(page.data)).active.iter_rows()]
    assert [r[1] for r in rows[1:]] == ["校园控烟实施方案"]


def test_a_kept_registry_line_follows_every_change_it_shows(app, make):
    """List lines are rendered once and kept (review/registry/fragments.py); a change of the entry,
    a new decided round, a renamed department or the language gives a fresh line."""
    from review.accounts.models import Department

    assert app.config["PAGE_CACHE_SIZE"] > 0
    registry(app, make)
    c = login(app, "office")

    def line(title: str) -> str:
        html = c.get("/registry/").get_data(as_text=True)
        return next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if title in r)

    before = line("学生营养餐管理办法")
    assert before == line("学生营养餐管理办法") and "〔2026〕9号" not in before
    e = db.session.scalar(db.select(RegistryEntry).filter_by(title="学生营养餐管理办法"))
    e.doc_number = "津滨教〔2025〕9号"
    db.session.commit()
    assert "津滨教〔2025〕9号" in line("学生营养餐管理办法")
    from review.accounts.models import User

    office = db.session.scalar(db.select(User).filter_by(username="office"))
    reviewed_round(e, office, db.session.scalar(db.select(Expert)), seq=9)
    db.session.commit()
    assert "〔2026〕9号" in line("学生营养餐管理办法")
    dept = db.session.get(Department, e.department_id)
    dept.full_name = "滨海新区教育体育局"
    db.session.commit()
    assert "滨海新区教育体育局" in line("学生营养餐管理办法")
    with c.session_transaction() as s:
        s["locale"] = "en"
    assert "Round 1" in line("学生营养餐管理办法")
