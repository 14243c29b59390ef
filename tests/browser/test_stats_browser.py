"""The office opens the statistics page in real Chromium: ECharts (served by the app) draws every
chart with data as SVG, under the page's CSP, and the tables stay beside them."""
from __future__ import annotations

import pytest

from review.extensions import db
from review.stats.views import VENDOR_ECHARTS
from tests.browser.conftest import login, screenshot
from tests.conftest import Factory
from tests.stats.dataset import build_year

pytestmark = pytest.mark.browser


def test_office_sees_the_charts(live_app, live_server, new_page):
    if not VENDOR_ECHARTS.is_file():
        pytest.fail("review/static/vendor/echarts.min.js is missing: `make install` (or `make vendor`) fetches it")
    live_app.config["HOLIDAYS"] = "2025-01-01"
    with live_app.app_context():
        build_year()
        Factory(live_app).user("office", username="office-stats")
        db.session.commit()
    page = new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, "office-stats", Factory.PASSWORD)
    page.click("nav.mainnav a[href='/stats/']")
    page.select_option("select[name=year]", "2025")
    page.click("form.filters button")
    page.wait_for_selector(".chart[data-rendered] svg")
    rendered = page.eval_on_selector_all(
        ".chart[data-rendered]", "els => els.map(e => [e.id, e.querySelectorAll('svg path, svg rect').length,"
                                 " e.getBoundingClientRect().height])")
    ids = {r[0] for r in rendered}
    # Every chart of the hand-built year has data, so every one is drawn, with shapes, at its height.
    assert ids == {f"chart-{c}" for c in ("monthly", "conclusions", "stages", "on_time", "experts", "adoption",
                                          "evaluation")}, rendered
    assert all(n > 3 and h > 200 for _id, n, h in rendered), rendered
    assert "学校卫生" not in page.inner_text("#chart-monthly")  # a chart of months, not of titles
    assert "甲专家" in page.inner_text("#chart-experts")  # SVG text: the axis names the experts
    assert page.locator("#table-experts tbody tr").count() == 2  # the accessible table is there too
    assert page.get_attribute("#chart-stages", "aria-describedby") == "table-stages"
    assert not problems, problems  # no CSP violation, no script error
    shot = screenshot(page, "statistics")
    assert shot.stat().st_size > 20000
