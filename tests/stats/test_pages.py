"""The statistics page, its API, the annual report (page and CLI) and the list exports."""
from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from review.accounts.operations import create_token
from review.extensions import db

from .dataset import build_year


@pytest.fixture
def year(app):
    app.config["HOLIDAYS"] = "2025-01-01"
    return build_year()


def login(client, make, role):
    user = make.user(role)
    r = client.post("/login", data={"username": user.username, "password": make.PASSWORD})
    assert r.status_code == 302
    return user


@pytest.mark.parametrize("role", ["office", "admin"])
def test_office_and_admin_see_the_statistics(client, make, year, role):
    login(client, make, role)
    r = client.get("/stats/?year=2025")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="chart-monthly"' in html and 'id="table-monthly"' in html  # the chart and its table
    assert "甲专家" in html and "50.0%" in html  # expert table; on-time rate and evaluation rate
    assert 'href="/stats/"' in html  # the nav link
    assert "<script>" not in html  # no inline script (CSP)


@pytest.mark.parametrize("role", ["department", "expert", "justice"])
def test_others_may_not(client, make, year, role):
    login(client, make, role)
    assert client.get("/stats/").status_code == 403
    assert client.post("/stats/report", data={"year": "2025"}).status_code == 403


def test_a_bad_filter_is_explained(client, make, year):
    login(client, make, "office")
    r = client.get("/stats/?year=abc")
    assert r.status_code == 400 and "abc" in r.get_data(as_text=True)
    r = client.get("/stats/?department=无此局", headers={"Accept-Language": "en"})
    assert r.status_code == 400 and "There is no department" in r.get_data(as_text=True)


def test_the_page_degrades_to_tables_without_the_chart_library(client, make, year, monkeypatch, tmp_path):
    from review.stats import views

    monkeypatch.setattr(views, "VENDOR_ECHARTS", tmp_path / "missing.js")
    login(client, make, "office")
    html = client.get("/stats/?year=2025").get_data(as_text=True)
    assert 'id="table-stages"' in html and 'id="chart-stages"' not in html and "echarts" not in html


def test_api_gives_the_figures(app, client, make, year):
    user = make.user("office")
    token = create_token(user.username)
    db.session.commit()
    h = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/stats?year=2025", headers=h).get_json()
    assert body["submissions"] == 5 and body["by_conclusion"]["reject"] == 1
    assert body["working_days"] == {"median": 10, "p90": 17, "count": 3, "stages": body["working_days"]["stages"]}
    assert body["on_time_rate"] == 0.5 and body["evaluation_rate"] == {"health_related": 4, "reviewed": 2, "rate": 0.5}
    assert {"by_status", "by_department", "experts"} <= set(body)
    one = client.get("/api/v1/stats?year=2025&department=卫健委", headers=h).get_json()
    assert one["submissions"] == 2
    bad = client.get("/api/v1/stats?year=1", headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"] == "stats_bad_year"
    assert client.get("/api/v1/stats").status_code == 401
    assert client.get("/api/v1/stats/screening", headers=h).status_code == 200  # the older endpoint still works
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/stats" in paths and "/api/v1/stats/screening" in paths


def test_api_refuses_other_roles(client, make, year):
    user = make.user("department")
    token = create_token(user.username)
    db.session.commit()
    r = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


@pytest.mark.slow
def test_cli_writes_the_annual_report(app, year, tmp_path):
    out = tmp_path / "report.docx"
    result = app.test_cli_runner().invoke(args=["report", "annual", "--year", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = Document(str(out))
    text = _text(doc)
    assert "2025年度" in text and "公共政策健康审查工作报告" in text
    assert "共收到公共政策健康审查申请5件" in text and "作出审查决定3项" in text
    assert "中位数为10个工作日" in text and "第90百分位数为17个工作日" in text
    assert "按期率50.0%" in text and "评估率50.0%" in text and "采纳1条、部分采纳1条、不采纳1条" in text
    assert "学校卫生管理办法" in text and "控烟条例实施方案" in text  # the reviewed policies
    assert "健审〔2025〕1号" in text
    assert len(doc.inline_shapes) >= 6  # the charts, as images
    assert doc.paragraphs[0].runs[0].font.color.rgb is not None  # the red 版头


@pytest.mark.slow
def test_the_report_button_runs_a_job_and_gives_the_docx(client, make, year):
    login(client, make, "office")
    page = client.get("/stats/?year=2025").get_data(as_text=True)
    assert 'action="/stats/report"' in page and 'name="year" value="2025"' in page
    r = client.post("/stats/report", data={"year": "2025"})
    assert r.status_code == 302 and "/stats/report/" in r.headers["Location"]
    job_page = client.get(r.headers["Location"]).get_data(as_text=True)  # the job ran in process (tests)
    assert 'id="report-download"' in job_page
    download = client.get(r.headers["Location"] + "/download")
    assert download.status_code == 200 and download.mimetype.endswith("wordprocessingml.document")
    text = _text(Document(io.BytesIO(download.data)))
    assert "共收到公共政策健康审查申请5件" in text and "控烟条例实施方案" in text
    # the committee's report is for the office and the admin, never a department
    client.post("/logout")
    login(client, make, "department")
    assert client.get(r.headers["Location"] + "/download").status_code == 403


def test_the_report_needs_a_valid_year(client, make, year):
    login(client, make, "office")
    r = client.post("/stats/report", data={"year": "abc"}, follow_redirects=True)
    assert "abc" in r.get_data(as_text=True)
    r = client.post("/stats/report", data={"year": ""}, follow_redirects=True, headers={"Accept-Language": "en"})
    assert "Choose the year of the annual report." in r.get_data(as_text=True)


def test_cli_refuses_a_bad_year(app):
    result = app.test_cli_runner().invoke(args=["report", "annual", "--year", "1800"])
    assert result.exit_code != 0


def _sheet_rows(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [[c.value for c in row] for row in wb.active.iter_rows()], wb.active


def test_queue_export_keeps_the_filters_and_escapes_formulas(client, make, year):
    from review.submissions.models import Submission

    db.session.get(Submission, year["s1"]).title = "=HYPERLINK(\"http://evil\",\"点我\")"
    db.session.commit()
    login(client, make, "office")
    r = client.get("/office/queue.xlsx?status=concluded&sort=created&dir=asc")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows, ws = _sheet_rows(r.data)
    assert len(rows) == 3  # header + the two concluded submissions
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\",\"点我\")" and ws.cell(2, 2).data_type == "s"
    assert rows[2][1] == "控烟条例实施方案"
    page = client.get("/office/?status=concluded&sort=created&dir=asc").get_data(as_text=True)
    assert "/office/queue.xlsx?" in page  # the download button carries the filters


def test_board_and_register_exports(client, make, year):
    login(client, make, "office")
    rows, _ws = _sheet_rows(client.get("/office/board.xlsx").data)
    assert [r[1] for r in rows[1:]] == ["校园食品安全方案"] and rows[1][4] == "乙专家"
    rows, _ws = _sheet_rows(client.get("/verify/register.xlsx?year=2025").data)
    assert sorted(r[0] for r in rows[1:]) == ["健审〔2025〕1号", "健审〔2025〕2号", "健审〔2025〕3号"]
    assert "/office/board.xlsx" in client.get("/office/board").get_data(as_text=True)


def test_exports_need_the_pages_roles(client, make, year):
    login(client, make, "department")
    assert client.get("/office/queue.xlsx").status_code == 403
    assert client.get("/verify/register.xlsx").status_code == 403


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\u3000@x"])
def test_safe_cell_escapes_every_formula_trigger(text):
    from review.exports import safe_cell, workbook_bytes

    assert safe_cell(text) == "'" + text
    rows, ws = _sheet_rows(workbook_bytes([[text]], ["h"]))
    assert ws.cell(2, 1).data_type == "s" and rows[1][0].startswith("'")


def test_safe_cell_leaves_plain_values():
    from review.exports import safe_cell

    assert safe_cell("学校卫生") == "学校卫生" and safe_cell(-3) == -3 and safe_cell(None) is None
    assert safe_cell("a=b") == "a=b"


def test_cached_figures_follow_the_data(app, client, make, year, monkeypatch):
    """The second request is served from the cache, until a change the figures count."""
    from review.accounts.models import Department
    from review.audit.models import AuditEvent
    from review.stats import cache
    from review.submissions.models import Status

    from .dataset import Builder, at

    user = make.user("office")
    token = create_token(user.username)
    db.session.commit()
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/stats?year=2025", headers=h).get_json()["submissions"] == 5
    calls = []
    real = cache.collect_stats
    monkeypatch.setattr(cache, "collect_stats", lambda *a: calls.append(a) or real(*a))
    assert client.get("/api/v1/stats?year=2025", headers=h).get_json()["submissions"] == 5
    assert calls == []  # from the cache
    b = Builder.__new__(Builder)  # only its row helpers: the year is there already
    b.office, b.depts = user, {"卫健委": db.session.get(Department, year["depts"]["卫健委"])}
    sub = b.submission("新的方案", "卫健委", at("2025-07-01"), Status.submitted)
    db.session.add(AuditEvent(submission_id=sub.id, action="submit", created_at=at("2025-07-01")))
    db.session.commit()
    assert client.get("/api/v1/stats?year=2025", headers=h).get_json()["submissions"] == 6
    assert len(calls) == 1


def test_page_opens_on_this_year(client, make, year):
    from review.calendar import local_today

    login(client, make, "office")
    html = client.get("/stats/").get_data(as_text=True)
    assert f'<option value="{local_today().year}" selected' in html
    html = client.get("/stats/?year=").get_data(as_text=True)  # all years
    assert '<option value="" >' in html or '<option value="">' in html


def test_the_page_speaks_english_on_request(client, make, year):
    login(client, make, "office")
    client.post("/locale/en", data={"next": "/stats/"})
    html = client.get("/stats/?year=2025").get_data(as_text=True)
    assert "Submissions per month by status" in html and "Working days per stage" in html
    assert "Opinion issued" in html and "Department revision" in html
    for zh in ("每月", "工作日", "已出具意见", "采纳", "统计分析"):
        assert zh not in html, zh


def test_figures_missed_together_are_counted_once(app, monkeypatch):
    """Many users opening the page right after a change wait for one count, not one each; the
    figures stay cached while what they count is unchanged."""
    import threading
    import time

    from review.stats import cache
    from review.stats.filters import StatsFilter

    calls = []

    def slow(f, config):
        calls.append(f)
        time.sleep(0.3)
        return {"n": len(calls)}

    monkeypatch.setattr(cache, "collect_stats", slow)
    app.extensions.pop("stats_cache", None)
    answers = []

    def ask():
        with app.app_context():
            answers.append(cache.cached_stats(StatsFilter(year=2031), app.config))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and answers == [{"n": 1}] * 4
    with app.app_context():
        from review.accounts.models import Department

        db.session.add(Department(name="新部门", full_name="新部门"))  # not counted: same figures
        db.session.commit()
        assert cache.cached_stats(StatsFilter(year=2031), app.config) == {"n": 1}
