"""Anonymous file checks (issue #10 §1): one clear statement per result page, the upload is read
only in the sandboxed child, a small size cap with its own message, and an upload budget."""
from __future__ import annotations

import io
import resource

import pytest

from review.extensions import db
from review.sheets import operations as ops
from tests.sheets.forgeries import overlay_update, payload_of, rerender, xref_bomb


def _post_pdf(client, data: bytes, name: str = "sheet.pdf"):
    return client.post("/verify/pdf", data={"sheet": (io.BytesIO(data), name)})


def _banners(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('class="card flash-')[1:]]


@pytest.fixture
def no_parsing_here(monkeypatch):
    """Any PDF parse in the web process (instead of the child) fails the test."""
    from pdfminer import pdfdocument

    def refuse(*args, **kwargs):
        raise AssertionError("a PDF was parsed in the web worker")

    monkeypatch.setattr(pdfdocument.PDFDocument, "__init__", refuse)


def test_page_gives_one_statement_per_verdict(app, client, committee, no_parsing_here):
    sheet, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()

    genuine = _post_pdf(client, pdf).get_data(as_text=True)
    assert 'data-verdict="authentic"' in genuine and "真实且与出具文件一致" in genuine
    assert _banners(genuine) == ["success"]

    overlaid = overlay_update(pdf, [(90, 300, "审查结论：审查同意")], cover=[(80, 290, 300, 30)])
    page = _post_pdf(client, overlaid)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-verdict="modified"' in html and "签名真实但文件被改动" in html
    assert _banners(html) == ["error"] and "真实且与出具文件一致" not in html

    forged = _post_pdf(client, rerender(dict(sheet.facts, conclusion_label="审查同意"), payload_of(sheet)))
    assert "签名真实但文件被改动" in forged.get_data(as_text=True)

    none = _post_pdf(client, b"%PDF-1.4\n%%EOF\n").get_data(as_text=True)
    assert 'data-verdict="not_issued"' in none and "不是本委员会出具" in none and _banners(none) == ["error"]

    english = client.post("/verify/pdf", data={"sheet": (io.BytesIO(overlaid), "s.pdf")},
                          headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Genuine signature, but the file was modified" in english and "签名真实" not in english


def test_revoked_sheet_page_is_one_red_statement(app, client, issued):
    committee, sheet, _ = issued
    ops.revoke_sheet(committee.admin, sheet, "签发错误")
    db.session.commit()
    html = _post_pdf(client, ops.sheet_path(sheet.pdf_key).read_bytes()).get_data(as_text=True)
    assert _banners(html) == ["error"] and "签发错误" in html and 'data-valid="0"' in html


def test_xref_bomb_is_refused_in_the_child(app, client, no_parsing_here):
    app.config["PARSE_MEMORY_MB"] = 256
    bomb = xref_bomb(600)
    assert len(bomb) < 2 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    page = _post_pdf(client, bomb)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'data-verdict="unreadable"' in html
    assert "内存" in html  # the specific reason: it needed too much memory
    assert grown_mb < 200  # the 600 MB were inflated in the child, not here
    api = client.post("/api/v1/sheets/check-pdf", data={"sheet": (io.BytesIO(bomb), "b.pdf")})
    assert api.status_code == 422 and api.get_json()["error"] == "unreadable"


def test_anonymous_upload_cap_has_its_own_message(app, client, issued):
    _, sheet, code = issued
    app.config["VERIFY_MAX_MB"] = 1
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    page = _post_pdf(client, big)
    html = page.get_data(as_text=True)
    assert page.status_code == 413 and "1 MB" in html and "2.0 MB" in html
    api = client.post("/api/v1/sheets/check-pdf", data={"sheet": (io.BytesIO(big), "b.pdf")})
    assert api.status_code == 413 and api.get_json()["error"] == "too_large" and "1 MB" in api.get_json()["detail"]
    from urllib.parse import quote

    draft = client.post(f"/verify/{quote(sheet.serial)}/draft", data={"code": code, "draft": (io.BytesIO(big), "d.docx")})
    assert draft.status_code == 413 and "1 MB" in draft.get_data(as_text=True)
    small = _post_pdf(client, ops.sheet_path(sheet.pdf_key).read_bytes())
    assert small.status_code == 200


def test_api_check_pdf_verdicts(app, client, issued):
    _, sheet, _ = issued
    pdf = ops.sheet_path(sheet.pdf_key).read_bytes()
    ok = client.post("/api/v1/sheets/check-pdf", data={"sheet": (io.BytesIO(pdf), "s.pdf")}).get_json()
    assert ok["verdict"] == "authentic" and ok["valid"] is True and ok["status"] == "valid"
    assert ok["serial"] == sheet.serial and ok["verdict_label"] == "真实且与出具文件一致"
    forged = rerender(sheet.facts, payload_of(sheet))
    body = client.post("/api/v1/sheets/check-pdf", data={"sheet": (io.BytesIO(forged), "s.pdf")}).get_json()
    assert body["verdict"] == "modified" and body["valid"] is False and "not_identical" in body["problems"]
    missing = client.post("/api/v1/sheets/check-pdf", data={})
    assert missing.status_code == 400 and missing.get_json()["error"] == "sheet_required"


def test_upload_budget_per_address(tmp_path, monkeypatch):
    from review import create_app

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
                      "VERIFY_UPLOAD_RATE_LIMIT": "2 per minute"})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        codes = [_post_pdf(client, b"%PDF-1.4\n%%EOF\n").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        api = client.post("/api/v1/sheets/check-pdf", data={"sheet": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})
        assert api.status_code == 429  # one budget for pages and API
        other = client.post("/verify/pdf", data={"sheet": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf")},
                            environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert other.status_code == 200
        db.session.remove()
        db.drop_all()
