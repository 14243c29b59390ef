"""Crawl the pages of every role in both languages: no English in the Chinese UI, no Chinese in the
English UI. Document content (titles, clause text, names, file names) is Chinese in these fixtures
and marked as such in the templates (see tests/workflow/crawl.py)."""
from __future__ import annotations

import pytest

from tests.sheets.conftest import committee, issued  # noqa: F401  (fixtures)
from tests.workflow.crawl import english_runs, han_runs


def _pages(loop):
    sub = loop["sub"]
    a = sub.round_assignments()[0]
    return {
        "edu": ["/submissions/", "/submissions/new", f"/submissions/{sub.id}", f"/submissions/{sub.id}/audit",
                "/notifications/"],
        "office": ["/office/?status=under_review", f"/office/submissions/{sub.id}", "/office/board",
                   "/office/settings", "/admin/experts", f"/submissions/{sub.id}/audit", "/notifications/",
                   f"/screening/{sub.id}/edit"],
        a.expert.user.username: ["/reviews/", f"/reviews/{a.id}", f"/reviews/{a.id}?clause="
                                 f"{sub.current_version.clauses[7].id}"],
        None: ["/login", "/verify/"],
    }


def crawl(client, auth, pages, locale: str, check) -> dict:
    problems = {}
    for username, paths in pages.items():
        if username:
            auth.login(username)
        with client.session_transaction() as s:
            s["locale"] = locale
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            runs = check(response.get_data(as_text=True))
            if runs:
                problems[f"{username} {path}"] = runs[:40]
        if username:
            auth.logout()
    return problems


@pytest.mark.parametrize("locale, check", [("zh_CN", english_runs), ("en", han_runs)], ids=["zh", "en"])
def test_ui_is_in_one_language(client, auth, loop, app, locale, check):
    problems = crawl(client, auth, _pages(loop), locale, check)
    assert not problems, problems


def test_the_crawl_sees_untranslated_text():
    """The checks themselves: unmarked text in the other language is found, marked content is not."""
    assert han_runs('<p>Round 1 · 第一轮</p>') and not han_runs('<p>Round 1 <span lang="zh-CN">校园方案</span></p>')
    assert english_runs('<p>审查 Not translated</p>') and not english_runs('<p lang="en">Health in All Policies</p>')
    assert han_runs('<input placeholder="请输入">') and not han_runs('<script>var a = "中文";</script>')


def _sheet_pages(issued):
    from review.sheets import operations as ops  # noqa: F401  (the fixture issued the sheet)

    committee, sheet, code = issued
    sub = sheet.decision.submission
    serial = sheet.serial
    office_and_dept = [f"/sheets/{serial}", f"/submissions/{sub.id}/audit"]
    return {
        committee.office.username: [*office_and_dept, f"/office/submissions/{sub.id}", "/office/?status=concluded",
                                    "/screening/calibration", "/office/batch"],
        committee.dept.username: [*office_and_dept, f"/submissions/{sub.id}", "/submissions/",
                                  f"/submissions/{sub.id}/revise"],
        committee.justice.username: ["/justice", f"/verify/sheets/{serial}", "/verify/register", f"/sheets/{serial}"],
        committee.admin.username: ["/admin/", "/admin/experts", f"/admin/experts/{committee.experts[0].id}",
                                   "/admin/tokens", f"/admin/users/{committee.dept.id}", "/account/password",
                                   f"/sheets/{serial}"],
        None: [f"/verify/{serial}?code={code}", f"/verify/{serial}", "/verify/register"],
    }


@pytest.mark.parametrize("locale, check", [("zh_CN", english_runs), ("en", han_runs)], ids=["zh", "en"])
def test_sheet_and_admin_pages_are_in_one_language(client, auth, issued, app, locale, check):
    problems = crawl(client, auth, _sheet_pages(issued), locale, check)
    assert not problems, problems
