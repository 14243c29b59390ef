"""Crawl the pages of every role in the Chinese UI: no English sentence or label may show.

Document content (titles, clause text, names, file names) is Chinese in these fixtures, so any run
of English words on a page comes from a string that missed the catalogue."""
from __future__ import annotations

import re

from review.extensions import db

# Words that are the same in both languages: format names, the product's Latin name, the language switch.
ALLOWED = {"PDF", "DOCX", "Word", "QR", "PEM", "HiAP", "English", "API", "SHA-256", "CSV", "XLSX", "Excel"}
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,.:;()]+[A-Za-z][A-Za-z'’-]+)+")


def visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(script|style|code|pre|textarea)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    # Placeholders, labels and titles are user-facing too.
    attrs = " ".join(re.findall(r'(?:placeholder|title|aria-label|alt|data-confirm)="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html) + " " + attrs
    text = re.sub(r"\S+@\S+|https?://\S+|\S+\.(?:docx|pdf|txt|png|xlsx|csv)\b", " ", text)
    return re.sub(r"&\w+;", " ", text)


def english_runs(html: str) -> list[str]:
    found = []
    for run in ENGLISH_RUN.findall(visible_text(html)):
        words = [w for w in re.split(r"[ ,.:;()]+", run) if w]
        if all(w in ALLOWED for w in words):
            continue
        found.append(run)
    return found


def test_chinese_ui_has_no_english_labels(client, auth, loop, app):
    sub = loop["sub"]
    a = sub.round_assignments()[0]
    pages = {
        "edu": ["/submissions/", "/submissions/new", f"/submissions/{sub.id}", f"/submissions/{sub.id}/audit",
                "/notifications/"],
        "office": ["/office/?status=under_review", f"/office/submissions/{sub.id}", "/office/board",
                   "/office/settings", "/admin/experts", f"/submissions/{sub.id}/audit"],
        a.expert.user.username: ["/reviews/", f"/reviews/{a.id}"],
    }
    problems = {}
    for username, paths in pages.items():
        auth.login(username)
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            runs = english_runs(response.get_data(as_text=True))
            if runs:
                problems[path] = runs[:5]
        auth.logout()
    for path in ["/login", "/verify/"]:
        runs = english_runs(client.get(path).get_data(as_text=True))
        if runs:
            problems[path] = runs[:5]
    assert not problems, problems
