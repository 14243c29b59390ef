"""Security headers on every response, and templates without inline script (the CSP forbids it)."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def check_headers(response):
    h = response.headers
    csp = h["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in directives["script-src"]
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


def test_every_kind_of_response_carries_the_headers(client, auth, make):
    for path, status in (("/login", 200), ("/static/app.css", 200), ("/no-such-page", 404),
                         ("/api/v1/submissions", 401), ("/verify/", 200)):
        response = client.get(path)
        assert response.status_code == status, path
        check_headers(response)
        assert "Strict-Transport-Security" not in response.headers  # plain http in tests
    make.user("office", username="o1")
    response = auth.login("o1")
    check_headers(response)
    check_headers(client.get("/office/"))


def test_https_base_url_sends_hsts(tmp_path, monkeypatch):
    from review import create_app

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "https"))
    app = create_app({"TESTING": True, "BASE_URL": "https://review.example.gov.cn"})
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_templates_have_no_inline_script_or_event_handlers():
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S):
            attrs, body = match.groups()
            if "application/json" in attrs:
                continue  # a data block, never executed
            if "src=" not in attrs or body.strip():
                problems.append(f"{path.name}: inline <script>")
        for match in re.finditer(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text):
            problems.append(f"{path.name}: event handler attribute {match.group(0)[-20:]}")
        if "javascript:" in text:
            problems.append(f"{path.name}: javascript: URL")
    assert not problems, problems
