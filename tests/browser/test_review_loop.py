"""The whole review loop in real Chromium, through the pages only: a department submits, the office
accepts and seats the proposed panel, three experts review clause by clause, the office decides
修改, the department revises, round 2 is approved. Plus: a bad upload loses nothing.

Buttons are found by their form names and values (stable across translations); what a user reads
(status badges, conclusions, error texts) is asserted in Chinese.
"""
from __future__ import annotations

import re

from review.extensions import db
from tests.browser.conftest import login, screenshot
from tests.browser.review_loop_steps import (CLAUSE_TOBACCO, EXPERTS, badge, decide, expert_review,
                                             office_detail, write_file)
from tests.conftest import Factory
from tests.docs import LETTER, REVISED_LINES, docx_bytes

TITLE = "校园健康促进行动实施方案"
ZH = {"submitted": "已提交", "under_review": "审查中", "deliberation": "合议中", "concluded": "已出具意见"}


def _people(live_app):
    with live_app.app_context():
        make = Factory(live_app)
        make.user("department", username="edu", department="教育局")
        make.user("office", username="office")
        for username, name, domains, expertise in EXPERTS:
            make.user("expert", username=username, expert_name=name, domains=domains, expertise=expertise)
        db.session.commit()


def test_review_loop_two_rounds(live_app, live_server, new_page, tmp_path):
    _people(live_app)
    draft = write_file(tmp_path, "方案.docx", docx_bytes())
    letter = write_file(tmp_path, "公函.txt", LETTER)
    revised = write_file(tmp_path, "方案-修改稿.docx", docx_bytes(REVISED_LINES))

    # 1. The department submits: form, preview with clauses and screening, confirm.
    dept = new_page()
    login(dept, "edu", Factory.PASSWORD)
    assert dept.url.endswith("/submissions/")
    dept.click("a[href='/submissions/new']")
    dept.fill("#title", TITLE)
    dept.select_option("#policy_type", "normative")
    dept.fill("#contact_name", "张老师")
    dept.fill("#contact_phone", "022-12345678")
    dept.set_input_files("#letter", str(letter))
    dept.set_input_files("#draft", str(draft))
    dept.click("main form button[type=submit]")
    assert "/submissions/staged/" in dept.url
    assert dept.locator("[data-problem]").count() == 0
    assert dept.locator(".clause", has_text=CLAUSE_TOBACCO).count() == 1
    assert dept.locator(".clause").count() >= 8
    questions = dept.locator("table.table tbody tr").all_inner_texts()
    assert [q.split()[0] for q in questions] == [f"Q{n}" for n in range(1, 11)]
    assert "是" in " ".join(questions)  # the draft touches health determinants
    dept.click("button[name=action][value=confirm]")
    assert re.search(r"/submissions/\d+$", dept.url)
    sub_path = dept.url[len(live_server.url):]
    sub_id = int(sub_path.rsplit("/", 1)[1])
    assert badge(dept) == ZH["submitted"]
    assert {"公函.txt", "方案.docx"} <= set(re.findall(r"\S+\.(?:txt|docx)", dept.locator("main").inner_text()))
    screenshot(dept, "department-detail")
    dept.goto("/submissions/")
    row = dept.locator("tbody tr", has_text=TITLE)
    assert row.locator(".badge").inner_text() == ZH["submitted"]
    screenshot(dept, "department-list")

    # 2. The office accepts it and confirms the proposed 3-expert panel.
    office = new_page()
    login(office, "office", Factory.PASSWORD)
    assert "status=submitted" in office.url
    screenshot(office, "office-queue")
    office.click(f"tbody a[href='/office/submissions/{sub_id}']")
    office.click("#intake form[action$='/accept'] button")
    assert office.locator(".flash-success").count() == 1
    assert badge(office) == "已受理"
    members = office.locator("#panel tr.panel-member")
    assert members.count() == 3
    assert all(box.is_checked() for box in office.locator("#panel tr.panel-member input[name=expert_ids]").all())
    panel = [n.inner_text() for n in office.locator("#panel tr.panel-member strong").all()]
    assert set(panel) <= {e[1] for e in EXPERTS} and len(set(panel)) == 3
    # "Add another expert by name" asks the server for names as it is typed.
    office.locator("#extra_expert").press_sequentially(panel[0][:2], delay=50)
    office.locator("#expert-names option").first.wait_for(state="attached")
    assert panel[0] in [o.get_attribute("value") for o in office.locator("#expert-names option").all()]
    office.fill("#extra_expert", "")
    office.click("#panel form button.btn-primary")
    assert badge(office) == ZH["under_review"]
    assert office.locator("#progress tr[data-assignment]").count() == 3
    assert "已邀请" in office.locator("#progress").inner_text()
    screenshot(office, "office-detail")
    dept.goto(sub_path)
    assert badge(dept) == ZH["under_review"]

    # 3. Three experts, each in its own context: accept, comment, submit; peers hidden until then.
    seated = [e for e in EXPERTS if e[1] in panel]
    notes = {}
    for n, (username, name, _d, _x) in enumerate(seated):
        page = new_page()
        login(page, username, Factory.PASSWORD)
        assert page.url.endswith("/reviews/")
        page.click(f"tbody a:has-text('{TITLE}')")
        assert page.locator("#invitation").count() == 1
        page.click("#invitation button[name=answer][value=accept]")
        assert page.locator("#invitation").count() == 0
        # Before submitting, the opinions of the experts who already submitted are invisible.
        content = page.locator("main").inner_text()
        for other in notes.values():
            assert other["comment"] not in content and other["summary"] not in content
        notes[name] = expert_review(page, n, name, recommendation="modify" if n == 0 else "approve",
                                    shot="expert-review" if n == 1 else None)
        if n == 1:
            screenshot(page, "expert-review-submitted")
        # The submit asked first; locked now, and the peers who submitted earlier become visible.
        assert any("提交后意见将被锁定" in m for m in page.dialogs)
        assert page.locator("button[name=action]").count() == 0
        assert page.locator("#draft .comment-link:visible").count() == 0
        assert page.locator(".my-comment", has_text=notes[name]["comment"]).count() == 1
        content = page.locator("main").inner_text()
        for other_name, other in notes.items():
            if other_name != name:
                assert other["comment"] in content
        page.context.close()

    office_detail(office, sub_id)
    assert badge(office) == ZH["deliberation"]
    dept.goto(sub_path)
    assert badge(dept) == ZH["deliberation"]
    assert dept.locator("article.opinion").count() == 0  # not before the decision

    # 4. The office looks at the aggregation and decides 修改 (and issues the sheet if offered).
    office.click(f"a[href='/office/submissions/{sub_id}/decide']")
    decide_text = office.locator("main").inner_text()
    for name, note in notes.items():
        assert name in decide_text and note["comment"] in decide_text and note["suggestion"] in decide_text
    # Median of 修改/同意/同意 is 同意, but one comment is high severity: the rule proposes 修改.
    assert office.locator("input[name=conclusion][value=modify]").is_checked()
    screenshot(office, "office-decide")
    sheet = decide(office, sub_id, "modify", "")
    sheets_enabled = "sheets.prepare" in live_app.view_functions
    assert (sheet is not None) == sheets_enabled
    if sheet is not None:
        assert "修改" in sheet and TITLE in sheet
    assert badge(office) == ZH["concluded"]
    assert "修改" in office.locator("dl.facts.card").inner_text()

    # The department sees the conclusion and every opinion, and revises.
    dept.goto(sub_path)
    assert badge(dept) == ZH["concluded"]
    assert "修改" in dept.locator("dl.facts.card").inner_text()
    round1 = dept.locator("#round-1")
    assert round1.locator("article.opinion").count() == 3
    for note in notes.values():
        assert note["comment"] in round1.inner_text() and note["summary"] in round1.inner_text()
    dept.click(f"a[href='/submissions/{sub_id}/revise']")
    items = dept.locator("div.response")
    assert items.count() == 3
    dept.set_input_files("#draft", str(revised))
    dept.fill("#note", "第二部分（一）项增加“禁止供应含糖饮料”。")
    for i, (kind, reason) in enumerate([("adopted", ""), ("partly", "已部分吸收，执行细则另行制定。"),
                                        ("rejected", "该条款已有上位法规定，不再重复。")]):
        item = items.nth(i)
        item.locator(f"input[type=radio][value={kind}]").check()
        item.locator("input[name^=reason-]").fill(reason)
    dept.click("main form button.btn-primary")
    assert re.search(rf"/submissions/{sub_id}/revise/[^/]+$", dept.url), dept.url
    assert "禁止供应含糖饮料" in dept.locator("main").inner_text()
    dept.click("main form button.btn-primary")
    assert dept.url.endswith(sub_path)
    assert badge(dept) == ZH["under_review"]
    assert re.search(r"(轮次|Round)\s*2", dept.locator("dl.facts.card").inner_text())
    assert dept.locator("#round-2").count() == 1

    # 5. Round 2: every expert approves.
    for n, (username, name, _d, _x) in enumerate(seated):
        page = new_page()
        login(page, username, Factory.PASSWORD)
        rows = page.locator("tbody tr", has_text=TITLE)
        assert rows.count() == 2
        second = next(r for r in rows.all() if r.locator("td").nth(2).inner_text().strip() == "2")
        second.locator("a").click()
        assert re.search(r"(第\s*2\s*轮|Round 2)", page.locator("h1").inner_text())
        assert "禁止供应含糖饮料" in page.locator("main").inner_text()
        if page.locator("#invitation").count():
            page.click("#invitation button[name=answer][value=accept]")
        # Each of round 1's items: the response and the clause's change, marked 已落实 / 未落实.
        round_items = page.locator("#round-items article.round-item")
        assert round_items.count() == 3
        assert page.locator("#round-items ins", has_text="禁止供应含糖饮料").count() >= 1
        assert "不采纳" in page.locator("#round-items").inner_text()
        for i in range(3):
            item = round_items.nth(i)
            item.locator("input[value=done]" if i != 2 else "input[value=not_done]").check()
            item.locator("input[name^=check-note-]").fill(f"{name}：第{i + 1}条已核对")
        # Only the changed clauses, on request.
        page.check("#only-changed")
        visible = page.locator("#draft .clause:visible")
        assert visible.count() == page.locator("#draft .clause.changed").count() >= 1
        page.uncheck("#only-changed")
        if n == 0:
            screenshot(page, "round2-review")
        page.check("input[name=recommendation][value=approve]")
        page.fill("#summary", f"第二轮：{name}同意修改稿。")
        page.click("button[name=action][value=submit]")
        assert page.locator(".flash-error").count() == 0
        assert page.locator("button[name=action]").count() == 0
        page.context.close()

    # 6. The office decides 审查同意.
    office_detail(office, sub_id)
    assert badge(office) == ZH["deliberation"]
    office.click(f"a[href='/office/submissions/{sub_id}/decide']")
    assert office.locator("input[name=conclusion][value=approve]").is_checked()
    marks = office.locator("#item-marks").inner_text()
    assert marks.count("已落实") >= 6 and marks.count("未落实") >= 3
    screenshot(office, "round2-aggregation")
    sheet = decide(office, sub_id, "approve", "")
    assert (sheet is not None) == sheets_enabled
    if sheet is not None:
        assert "审查同意" in sheet
    assert badge(office) == ZH["concluded"]
    assert "审查同意" in office.locator("dl.facts.card").inner_text()
    assert office.locator("text=修改").count() >= 1  # round 1 decision still listed

    dept.goto(sub_path)
    assert badge(dept) == ZH["concluded"]
    assert "审查同意" in dept.locator("dl.facts.card").inner_text()
    assert dept.locator("#round-2 article.opinion").count() == 3
    assert dept.locator("#round-1 article.opinion").count() == 3
    assert dept.locator(f"a[href='/submissions/{sub_id}/revise']").count() == 0
    dept.goto("/submissions/")
    assert dept.locator("tbody tr", has_text=TITLE).locator(".tag").inner_text() == "审查同意"


def test_bad_draft_then_replace_keeps_the_letter(live_app, live_server, new_page, tmp_path):
    """A .doc draft is explained on the preview; replacing only the draft keeps the letter."""
    from flask_babel import force_locale

    from review.messages import error_text

    _people(live_app)
    with live_app.test_request_context(), force_locale("zh_CN"):
        legacy = error_text("legacy_word")
    legacy_doc = write_file(tmp_path, "方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    letter = write_file(tmp_path, "公函.txt", LETTER)
    good = write_file(tmp_path, "方案.docx", docx_bytes())

    page = new_page()
    login(page, "edu", Factory.PASSWORD)
    page.goto("/submissions/new")
    page.fill("#title", TITLE)
    page.select_option("#policy_type", "normative")
    page.set_input_files("#letter", str(letter))
    page.set_input_files("#draft", str(legacy_doc))
    page.click("main form button[type=submit]")
    assert "/submissions/staged/" in page.url
    problem = page.locator("[data-problem=draft]").inner_text()
    assert problem == legacy and "另存为 .docx" in problem  # the specific Chinese advice, not a generic error
    assert page.locator("button[name=action][value=confirm]").is_disabled()
    files = page.locator("ul.files").inner_text()
    assert "公函.txt" in files and "方案.doc" in files
    screenshot(page, "department-preview-bad-draft")

    # Replace only the draft (the details panel is open because of the problem).
    assert page.locator("#title").input_value() == TITLE
    page.set_input_files("#draft", str(good))
    page.click("button[name=action][value=update]")
    assert page.locator("[data-problem]").count() == 0
    files = page.locator("ul.files li").all_inner_texts()
    assert len(files) == 2 and any("公函.txt" in f for f in files) and any("方案.docx" in f for f in files)
    assert not any(re.search(r"\.doc\s", f) for f in files)  # the .doc was replaced, not added
    assert page.locator(".clause", has_text=CLAUSE_TOBACCO).count() == 1
    page.click("button[name=action][value=confirm]")
    assert re.search(r"/submissions/\d+$", page.url)
    assert badge(page) == ZH["submitted"]
    text = page.locator("main").inner_text()
    assert "公函.txt" in text and "方案.docx" in text and TITLE in text
