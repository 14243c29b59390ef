"""A department reads in a zip of its existing documents in Chromium: the per-file progress while a
worker reads them, then the policy × question heatmap (screenshots under tests/artifacts/)."""
from __future__ import annotations

import threading

import pytest

from review import create_app
from review.extensions import db
from tests.browser.conftest import LiveServer, login, screenshot
from tests.conftest import Factory
from tests.registry.docs import documents, zip_of

pytestmark = pytest.mark.browser


class Worker:
    """What ``flask worker`` does, in a thread: take each queued job and run it."""

    def __init__(self, app):
        from review.jobs.queue import queue_for

        self.huey = queue_for(app).huey
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self.stop.is_set():
            task = self.huey.dequeue()
            if task is None:
                self.stop.wait(0.2)
            else:
                self.huey.execute(task)


@pytest.fixture
def queued_server(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "JOB_QUEUE": "sqlite"})
    with app.app_context():
        db.create_all()
        Factory(app).user("department", username="edu-b", department="教育局")
        db.session.commit()
    server = LiveServer(app)
    app.config["BASE_URL"] = server.url
    server.start()
    worker = Worker(app)
    yield server, worker
    worker.stop.set()
    server.stop()


def test_department_imports_a_zip_and_sees_the_heatmap(queued_server, browser, tmp_path):
    server, worker = queued_server
    docs = documents()
    # Several copies with different texts, so that the worker takes a few seconds and progress shows.
    files = {f"存量文件/{name}": data for name, data in docs.items()}
    for n in range(4):
        files[f"存量文件/其他/办法{n}.txt"] = ("\n".join([f"滨海新区第{n}号管理办法", f"第一条 为规范第{n}项工作，制定本办法。",
                                                      "第二条 学校食堂应当减少高盐高糖食品供应，保障学生营养。"])).encode()
    archive = tmp_path / "存量文件.zip"
    archive.write_bytes(zip_of(files))
    context = browser.new_context(locale="zh-CN", base_url=server.url, viewport={"width": 1500, "height": 900})
    context.set_default_timeout(60000)
    page = context.new_page()
    try:
        login(page, "edu-b", Factory.PASSWORD)
        page.click("nav.mainnav >> text=政策台账")
        page.click("text=存量文件梳理")
        page.set_input_files("#i-files", str(archive))
        page.click("#inventory-form button")
        page.wait_for_url("**/registry/inventory/*")
        # No worker yet: the job waits, and the page says how far it is.
        bar = page.locator("[data-job-bar]")
        assert bar.is_visible()
        assert page.locator("[data-job-count]").inner_text().strip() == "0 / 8"
        worker.thread.start()
        # The bar moves as each file is read; the note names the file under way. Eight small files
        # can all be read between two polls, so the finished heatmap also ends the wait.
        page.wait_for_function(
            "() => document.querySelector('table.heatmap') || "
            "(document.querySelector('[data-job-note]')?.textContent || '').trim() !== ''", timeout=60000)
        if page.locator("table.heatmap").count() == 0:
            screenshot(page, "registry-inventory-progress")
        page.wait_for_selector("table.heatmap", timeout=120000)  # the page reloads itself when done
        summary = page.locator("[data-inventory-summary]").inner_text()
        assert "已读取 7 份文件" in summary and "1 份无法读取" in summary
        rows = page.locator("table.heatmap tbody tr")
        assert rows.count() == 7
        first = rows.nth(0)
        assert "校园健康促进行动实施方案" in first.inner_text()  # most 是 answers first
        assert first.locator("td.heat-yes").count() >= 1
        first.locator("td.heat-yes details summary").first.click()
        assert first.locator("td.heat-yes details[open] li").first.is_visible()  # why: the clause behind it
        assert "扫描件.pdf" in page.locator("section.card").last.inner_text()
        shot = screenshot(page, "registry-inventory-heatmap")
        assert shot.stat().st_size > 20000
        page.click("nav.mainnav >> text=政策台账")
        assert page.locator("table.table tbody tr").count() == 7
    finally:
        context.close()
