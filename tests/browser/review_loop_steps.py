"""Steps of the browser review loop that repeat: an expert's review, the office's decision."""
from __future__ import annotations

from pathlib import Path

import subprocess

from tests.browser.conftest import ARTIFACTS, screenshot

# The same experts as tests/workflow/test_loop_ops.py, so routing proposes three of them.
EXPERTS = [
    ("e-jia", "甲专家", ["school_health"], "儿童青少年近视防控与学生体质监测"),
    ("e-yi", "乙专家", ["nutrition_food"], "学校食堂食品安全与学生营养餐"),
    ("e-bing", "丙专家", ["tobacco_alcohol"], "青少年控烟与电子烟危害"),
    ("e-ding", "丁专家", ["mental_health"], "学生心理危机干预"),
]
CLAUSE_TOBACCO = "校园内全面禁止吸烟"
CLAUSE_FOOD = "减少高盐高糖高脂食品供应"
CLAUSE_EYES = "户外活动时间不少于2小时"


def write_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def badge(page) -> str:
    return page.locator("h1 .badge").inner_text().strip()


def office_detail(page, sub_id: int) -> None:
    page.goto(f"/office/submissions/{sub_id}")


def expert_review(page, n: int, name: str, recommendation: str, shot: str | None = None) -> dict:
    """Open one clause's 批注, write an opinion and a wording, answer, recommend and submit."""
    clause_text = [CLAUSE_FOOD, CLAUSE_TOBACCO, CLAUSE_EYES][n % 3]
    note = {"comment": f"{name}认为该条款需要细化（{n}）。",
            "suggestion": f"{name}建议的表述：明确责任主体和检查频次（{n}）。",
            "summary": f"{name}的总体意见（{n}）：总体可行。"}
    clause = page.locator("div.clause", has_text=clause_text)
    assert clause.count() == 1
    clause.locator("a.comment-link").click()
    editor = page.locator("#editor")
    editor.wait_for(state="visible")
    editor.locator("#c-text").fill(note["comment"])
    editor.locator("#c-suggestion").fill(note["suggestion"])
    editor.locator("#c-severity").select_option("high" if recommendation == "modify" else "low")
    editor.locator("button[value=save]").click()
    clause.locator(".my-comment").wait_for()  # saved by the page script, shown under the clause
    assert "已保存该条意见" not in page.content()  # no page load: the fetch path did it
    assert note["comment"] in clause.locator(".my-comment").inner_text()
    page.check("input[name=screen-Q1][value='是']")
    page.check(f"input[name=recommendation][value={recommendation}]")
    page.fill("#summary", note["summary"])
    if shot:
        screenshot(page, shot)
    page.click("button[name=action][value=submit]")
    errors = page.locator(".flash-error")
    assert errors.count() == 0, errors.all_inner_texts()
    return note


def decide(page, sub_id: int, conclusion: str, reason: str) -> str | None:
    """Submit the decision; issue the opinion sheet when the app offers it; end on the detail page.
    Returns the text of the issued sheet's page, if one was issued."""
    page.check(f"input[name=conclusion][value={conclusion}]")
    if reason:
        page.fill("#reason", reason)
    page.click("#decision-form button[type=submit]")
    errors = page.locator(".flash-error")
    assert errors.count() == 0, errors.all_inner_texts()
    sheet = None
    if "/sheets/prepare/" in page.url:
        # The office sees the PDF that will be issued before signing it.
        preview = page.request.get(page.locator("iframe[name=sheet-preview]").get_attribute("src"))
        assert preview.ok and preview.body()[:5] == b"%PDF-"
        render_pdf(preview.body(), f"loop-sheet-preview-{conclusion}")
        screenshot(page, f"sheet-prepare-{conclusion}")
        page.click("#issue")
        assert page.locator(".flash-error").count() == 0, page.locator(".flash-error").all_inner_texts()
        assert "/sheets/prepare/" not in page.url  # issued: the sheet page
        sheet = page.locator("main").inner_text()
        issued = page.request.get(page.locator("a[href$='/download/pdf']").first.get_attribute("href"))
        assert issued.ok and issued.body()[:5] == b"%PDF-"
        render_pdf(issued.body(), f"loop-sheet-{conclusion}")
    office_detail(page, sub_id)
    return sheet


def render_pdf(pdf: bytes, name: str) -> list[Path]:
    """Keep the PDF and its pages as PNG (pdftoppm) under tests/artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / name)], check=True)
    pages = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert pages, name
    return pages
