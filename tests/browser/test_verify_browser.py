"""The justice bureau checks a sheet in real Chromium: serial + code, then the draft it received."""
from __future__ import annotations

import pytest

from review.extensions import db
from review.sheets import operations as ops
from tests.browser.conftest import login, screenshot
from tests.conftest import Factory
from tests.sheets.builders import Committee

pytestmark = pytest.mark.browser


def test_justice_verifies_sheet_and_draft(live_app, live_server, new_page, tmp_path):
    with live_app.app_context():
        committee = Committee(prefix="b")
        decision = committee.decided("approve")
        sheet, code = ops.issue_sheet(committee.office, decision)
        db.session.commit()
        serial, justice = sheet.serial, committee.justice.username
        draft = tmp_path / "方案.docx"
        draft.write_bytes(committee.data)

    page = new_page()
    login(page, justice, Factory.PASSWORD)
    page.goto("/verify/")
    page.fill("#verify-form input[name=serial]", serial)
    page.fill("#verify-form input[name=code]", code)
    page.click("#verify-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-valid") == "1"
    assert "有效" in verdict.inner_text() and "审查同意" in verdict.inner_text()
    assert page.locator("#conclusion").inner_text() == "审查同意"

    page.set_input_files("#draft-form input[name=draft]", str(draft))
    page.click("#draft-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#draft-verdict").get_attribute("data-matches") == "1"
    assert page.locator("#intake-form").count() == 1  # the justice user can record the intake next
    shot = screenshot(page, "justice-verify")
    assert shot.stat().st_size > 5000
