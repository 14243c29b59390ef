"""In real Chromium: the office chooses a lane at intake (with the screening beside it) and files a
draft without experts; a department submits a follow-up report and the office accepts it."""
from __future__ import annotations

import copy
import io
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage

from review.extensions import db
from tests.browser.conftest import login, screenshot
from tests.conftest import Factory
from tests.docs import LETTER, docx_bytes
from tests.sheets.builders import Committee

pytestmark = pytest.mark.browser


def test_intake_lane_choice_and_a_followup_report(live_app, live_server, new_page):
    from review.followups import operations as fops
    from review.submissions import operations as sops

    with live_app.app_context():
        committee = Committee(prefix="l")
        staged = sops.stage_submission(committee.dept, {"title": "机关内部会议管理办法", "policy_type": "normative"},
                                       draft=FileStorage(io.BytesIO(docx_bytes()), "办法.docx"),
                                       letter=FileStorage(io.BytesIO(LETTER), "公函.txt"))
        sub = sops.confirm_submission(committee.dept, staged)
        screening = copy.deepcopy(sub.current_version.screening)
        screening["impact_level"] = "minor"
        sub.current_version.screening = screening
        decision = committee.decided("approve", title="校园健康促进行动实施方案")
        fu = fops.set_followup(committee.office, decision.submission,
                               [{"text": "学生体质健康达标率", "target": "≥92%"}], date.today() + timedelta(days=30))
        db.session.commit()
        sub_id, fu_id, ind_id = sub.id, fu.id, fu.indicators[0].id
        office, dept = committee.office.username, committee.dept.username

    page = new_page()
    login(page, office, Factory.PASSWORD)
    page.goto(f"/office/submissions/{sub_id}")
    assert "轻微" in page.locator("#impact-level").inner_text()
    assert page.locator("#screening-reasons li").count() > 0
    assert page.locator("#accept-form input[value=simple]").is_checked()  # the suggestion
    page.check("#accept-form input[value=filing]")
    page.click("#accept-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "请说明理由" in page.content()  # departing from the suggestion needs a reason
    page.check("#accept-form input[value=filing]")
    page.fill("#lane_reason", "仅规定机关内部会议流程，不涉及健康决定因素")
    page.click("#accept-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "备案确认" in page.locator("#lane").inner_text()
    page.fill("#filing-reason", "不涉及健康决定因素")
    page.click("#filing button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#progress").count() == 0 and "已出具意见" in page.content()
    screenshot(page, "lane-filing")

    dept_page = new_page()
    login(dept_page, dept, Factory.PASSWORD)
    dept_page.goto(f"/followups/{fu_id}")
    dept_page.fill(f"textarea[name=result-{ind_id}]", "93.5%")
    dept_page.check("#report-form input[value=partly]")
    dept_page.fill("#report_text", "营养改善未达预期")
    dept_page.click("#report-form button[type=submit]")
    dept_page.wait_for_load_state("networkidle")
    assert "报告已报送" in dept_page.locator("#followup-status").inner_text()
    assert "93.5%" in dept_page.locator("#indicators").inner_text()

    page.goto(f"/followups/{fu_id}")
    assert "营养改善未达预期" in page.content()
    page.click("#review-report form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "报告已接受" in page.locator("#followup-status").inner_text()
    shot = screenshot(page, "followup-accepted")
    assert shot.stat().st_size > 5000
