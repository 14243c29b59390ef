"""Browser tests: the app served by a real WSGI server in a thread, driven by Playwright in the
Debian Chromium (Playwright's own browser download is not used)."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from review import create_app
from review.extensions import db

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_app(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
    app.config["BASE_URL"] = "http://127.0.0.1"
    return app


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app)
    live_app.config["BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def clicks_wait_for_the_page():
    """A click that starts a navigation returns once the new page has *started* loading (Playwright's
    rule), so a count read right after it can see half a parsed page (CI saw 5 of 7 rows). Every click
    in these tests also waits for the page's load event, as a user waits for the page before reading
    it; a click that navigates nowhere finds the page loaded and returns at once."""
    from playwright.sync_api import Locator, Page

    page_click, locator_click = Page.click, Locator.click

    def settle(page) -> None:
        if not page.is_closed():
            page.wait_for_load_state("load")

    def click_page(self, *args, **kwargs):
        page_click(self, *args, **kwargs)
        settle(self)

    def click_locator(self, *args, **kwargs):
        locator_click(self, *args, **kwargs)
        settle(self.page)

    Page.click, Locator.click = click_page, click_locator
    yield
    Page.click, Locator.click = page_click, locator_click


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail("Chromium is not installed: install the Debian packages chromium and chromium-driver "
                    "(make test does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, one browser context (own cookies) per user."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, base_url=live_server.url,
                                      viewport={"width": 1366, "height": 900})
        context.set_default_timeout(20000)
        contexts.append(context)
        page = context.new_page()
        # A user confirms the questions irreversible actions ask; the questions are kept for asserts.
        page.dialogs = []

        def answer(dialog):
            page.dialogs.append(dialog.message)
            dialog.accept()

        page.on("dialog", answer)
        return page

    yield make
    for c in contexts:
        c.close()


def login(page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
