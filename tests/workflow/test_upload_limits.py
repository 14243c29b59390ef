"""Upload limits and failures say what happened (issue #10 §2): clause cap, full disk, file count,
request size, uploads with no body text."""
from __future__ import annotations

import errno
import io
import re

import pytest

from review.extensions import db
from review.submissions.models import StagedUpload, Submission
from tests.docs import LETTER, docx_bytes


@pytest.fixture
def dept(app, make, auth):
    user = make.user("department", username="edu")
    make.user("office", username="office")
    user.locale = "en"
    db.session.commit()
    auth.login("edu")
    return user


def _post_new(client, draft=None, name="方案.docx", **extra):
    data = {"title": "校园健康促进行动实施方案", "policy_type": "normative",
            "draft": (io.BytesIO(docx_bytes() if draft is None else draft), name),
            "letter": (io.BytesIO(LETTER), "公函.txt"), **extra}
    return client.post("/submissions/new", data=data, content_type="multipart/form-data")


def test_a_draft_over_the_clause_cap_is_refused_by_the_parse_child(app, client, dept):
    app.config["MAX_CLAUSES"] = 8  # the test draft has 12 clauses
    r = _post_new(client)
    assert r.status_code == 302
    page = client.get(r.headers["Location"])
    assert b"The draft has more than 8 clauses" in page.data
    staged = db.session.scalar(db.select(StagedUpload))
    assert staged.parsed["status"] == "failure" and staged.parsed["errors"][0]["code"] == "too_many_clauses"
    assert not staged.parsed.get("clauses")  # the worker never got the clauses
    r = client.post(r.headers["Location"], data={"action": "confirm"})
    assert db.session.scalar(db.select(db.func.count(Submission.id))) == 0


@pytest.mark.parametrize("data, name, message", [
    (b"", "empty.docx", b"The file is empty (0 bytes)"),
    (b"", "empty.txt", b"The file is empty (0 bytes)"),
    (b"   \n\n  ", "blank.txt", b"The draft has no body text"),
    (b"<!DOCTYPE html><html><body><p>\xe7\xac\xac\xe4\xb8\x80\xe6\x9d\xa1</p></body></html>", "page.txt",
     b"is a web page or XML"),
])
def test_an_upload_without_body_text_cannot_be_confirmed(app, client, dept, data, name, message):
    r = _post_new(client, data, name)
    assert r.status_code == 302
    preview = r.headers["Location"]
    assert message in client.get(preview).data
    r = client.post(preview, data={"action": "confirm"})
    assert r.status_code == 200 and message in r.data
    assert db.session.scalar(db.select(db.func.count(Submission.id))) == 0


def test_a_full_disk_says_so_and_keeps_the_staged_upload(app, client, dept, monkeypatch):
    from review.submissions import storage

    r = _post_new(client)
    preview = r.headers["Location"]
    staged = db.session.scalar(db.select(StagedUpload))
    before = [dict(f) for f in staged.files]
    real_open = open

    def full_disk(path, mode="r", *args, **kw):
        if "w" in mode and str(path).startswith(app.config["UPLOAD_DIR"]):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, mode, *args, **kw)

    monkeypatch.setattr(storage, "open", full_disk, raising=False)
    r = client.post(preview, data={"action": "update", "title": "新标题", "policy_type": "normative",
                                   "draft": (io.BytesIO(docx_bytes()), "新方案.docx")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and b"upload storage is full" in r.data
    db.session.expire_all()
    staged = db.session.scalar(db.select(StagedUpload))
    assert staged.files == before and staged.form["title"] == "校园健康促进行动实施方案"
    assert all(storage.upload_path(f["storage_key"]).exists() for f in before)
    monkeypatch.undo()
    r = client.post(preview, data={"action": "confirm"})
    assert r.status_code == 302 and db.session.scalar(db.select(db.func.count(Submission.id))) == 1


def test_many_small_basis_files_are_refused_by_count_not_size(app, client, dept):
    app.config["MAX_FILES"] = 20
    basis = [(io.BytesIO(b"x" * 150), f"b{i}.txt") for i in range(30)]  # 4.5 KB in all
    r = _post_new(client, basis=basis)
    assert r.status_code == 200
    assert b"This upload has 32 files; at most 20 files are accepted" in r.data
    # The refusal names the count, not a size (the page's random CSRF token may hold "MB": not read).
    [refusal] = re.findall(rb'<small class="error">(.*?)</small>', r.data)
    assert b"MB" not in refusal


def test_more_parts_than_werkzeug_allows_names_the_file_count(app, client, dept):
    app.config["MAX_FORM_PARTS"] = 50
    basis = [(io.BytesIO(b"x" * 150), f"b{i}.txt") for i in range(60)]
    r = _post_new(client, basis=basis)
    assert r.status_code == 413
    assert b"too many files or fields" in r.data and b"at most 100 files" in r.data
    assert b"larger than" not in r.data


def test_a_request_over_the_size_limit_names_the_size(app, client, dept):
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    r = _post_new(client, basis=[(io.BytesIO(b"x" * 1_200_000), "big.txt")])
    assert r.status_code == 413 and b"larger than 1 MB in all" in r.data


def test_a_long_text_field_names_the_field_limit(app, client, dept):
    app.config["MAX_FORM_MEMORY_SIZE"] = 10_000
    r = _post_new(client, note="长" * 10_000)
    assert r.status_code == 413 and b"A text field of the form is longer than 10 KB" in r.data


def test_api_413_is_json_with_the_limit(app, client, make):
    from review.accounts.operations import create_token

    make.user("department", username="edu")
    token = create_token("edu")
    db.session.commit()
    app.config["MAX_FORM_PARTS"] = 10
    r = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                    data={"basis": [(io.BytesIO(b"x"), f"b{i}.txt") for i in range(20)]},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and r.json["error"] == "request_entity_too_large" and "100" in r.json["detail"]
