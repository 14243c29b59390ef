"""Every role walks the site in real Chromium in both languages, following the links it is shown:
no page answers 5xx, no link is dead, and no page mixes the languages once its scripts ran
(the checks of tests/workflow/crawl.py on the rendered DOM)."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from review.extensions import db
from tests.browser.conftest import login
from tests.conftest import Factory
from tests.workflow.crawl import english_runs, han_runs

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SKIP = ("/logout", "/locale/", "/download/", "/submissions/files/", "/qr.png", "/preview.pdf", "/form.",
        "/public-key.pem", "/api/", "/static/", "/favicon", ".xlsx", ".docx", ".pdf", "/report/")
MAX_PAGES = 30  # per user: enough to reach every page a role has links to


def _site(live_app) -> dict:
    """An issued sheet (deliberated, signed) and a submission under review with three experts."""
    from review.reviews import operations as rops
    from review.routing.operations import propose_for_submission
    from review.sheets import operations as sheet_ops
    from review.submissions import operations as sops
    from tests.sheets.builders import Committee
    from tests.workflow.conftest import EXPERTS, fs
    from tests.docs import LETTER, docx_bytes

    with live_app.app_context():
        committee = Committee(prefix="w")
        decision = committee.decided("modify")
        sheet_ops.issue_sheet(committee.office, decision)
        make = Factory(live_app)
        experts = [make.user("expert", username=f"we{i}", expert_name=n, domains=d, expertise=x)
                   for i, (n, d, x) in enumerate(EXPERTS)]
        staged = sops.stage_submission(committee.dept, {"title": "校园控烟工作方案", "policy_type": "normative"},
                                       draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
        sub = sops.confirm_submission(committee.dept, staged)
        sops.accept_submission(committee.office, sub)
        panel = [m.expert.id for m in propose_for_submission(sub).panel]
        rops.assign_experts(committee.office, sub, panel, date.today() + timedelta(days=14))
        db.session.commit()
        seated = {a.expert_id for a in sub.round_assignments()}
        expert = next(u.username for u in experts if u.expert_id in seated)
        return {"w-dept": "/", "w-office": "/", "w-justice": "/", "w-admin": "/", expert: "/"}


def walk(page, base: str, start: str, check) -> tuple[dict, list[str]]:
    seen, queue, problems, broken = set(), [start], {}, []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        if response is None or response.status >= 400:
            broken.append(f"{path} → {response.status if response else 'no response'}")
            continue
        runs = check(page.content())
        if runs:
            problems[path] = runs[:5]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            parts = urlsplit(href)
            if (parts.netloc and f"{parts.scheme}://{parts.netloc}" != base) or href.startswith(("#", "mailto:")):
                continue
            if any(k in parts.query for k in ("sort=", "page=", "dir=")):
                continue  # the same list in another order
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target and not any(s in target for s in SKIP) and target not in seen:
                queue.append(target)
    return problems, broken


@pytest.mark.parametrize("locale, check", [("zh-CN", english_runs), ("en-US", han_runs)], ids=["zh", "en"])
def test_every_role_walks_the_site_in_one_language(live_app, live_server, new_page, locale, check):
    starts = _site(live_app)
    report = {}
    for username, start in starts.items():
        page = new_page(locale=locale)
        login(page, username, Factory.PASSWORD)
        problems, broken = walk(page, live_server.url, start, check)
        if problems or broken:
            report[username] = {"mixed": problems, "broken": broken}
    public = new_page(locale=locale)
    problems, broken = walk(public, live_server.url, "/login", check)
    if problems or broken:
        report["(public)"] = {"mixed": problems, "broken": broken}
    assert not report, report
