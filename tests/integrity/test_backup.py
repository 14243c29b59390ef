"""`flask --app wsgi backup DEST` and `restore SRC`: a populated instance round-trips exactly."""
from __future__ import annotations

import json
import shutil
import threading

import pytest

from review import create_app
from review.audit.operations import record_event
from review.extensions import db
from review.sheets import operations as ops
from review.sheets.models import OpinionSheet
from review.submissions.models import StoredFile
from tests.integrity.roundtrip import all_files, all_rows
from tests.workflow.conftest import loop  # noqa: F401  (fixture)


def _fresh_app(tmp_path, monkeypatch, name: str):
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / name))
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


@pytest.mark.slow
def test_backup_and_restore_round_trip_a_populated_instance(app, loop, issued, tmp_path, monkeypatch):
    _, sheet, _ = issued
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) >= 2
    db.session.commit()
    rows, files = all_rows(), all_files(app)
    dest = tmp_path / "backup"
    made = app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert made.exit_code == 0, made.output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "sqlite" and manifest["missing"] == []
    assert manifest["rows"]["stored_file"] == len(rows["stored_file"])
    assert any(k.startswith("keys/sheet_ed25519") for k in manifest["files"])

    target = _fresh_app(tmp_path, monkeypatch, "restored")
    with target.app_context():
        done = target.test_cli_runner().invoke(args=["restore", str(dest)])
        assert done.exit_code == 0, done.output
        assert "manifest and audit trail verify" in done.output
        assert all_rows() == rows
        assert all_files(target) == files
        restored = db.session.get(OpinionSheet, sheet.id)
        check = ops.check_sheet_pdf(ops.sheet_path(restored.pdf_key).read_bytes())
        assert check.authentic and check.matches_register and check.file_identical
        assert target.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        assert target.test_cli_runner().invoke(args=["storage", "check"]).exit_code == 0
        again = target.test_cli_runner().invoke(args=["restore", str(dest)])
        assert again.exit_code == 1 and "the instance is not empty" in again.output
        db.session.remove()


def test_restore_refuses_a_backup_that_does_not_match_its_manifest(app, issued, tmp_path, monkeypatch):
    _, sheet, _ = issued
    dest = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(dest)]).exit_code == 0
    pdf = dest / "sheets" / sheet.pdf_key
    pdf.write_bytes(pdf.read_bytes() + b"%")
    target = _fresh_app(tmp_path, monkeypatch, "restored")
    with target.app_context():
        done = target.test_cli_runner().invoke(args=["restore", str(dest)])
        assert done.exit_code == 1
        assert f"sheets/{sheet.pdf_key}: its SHA-256 or size differs from the manifest" in done.output
        assert not (tmp_path / "restored" / "sheets" / sheet.pdf_key).exists()
        db.session.remove()


def test_backup_refuses_a_non_empty_destination(app, issued, tmp_path):
    dest = tmp_path / "backup"
    dest.mkdir()
    (dest / "old.txt").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", str(dest)])
    assert result.exit_code == 1 and "is not empty" in result.output


@pytest.mark.slow
def test_backup_while_the_app_writes_is_consistent(app, issued, tmp_path, monkeypatch):
    """Writers keep appending audit events during the backup: the copy holds a whole chain."""
    committee, sheet, _ = issued
    office_id, sub_id = committee.office.id, sheet.submission_id
    stop = threading.Event()
    written = []

    def writer():
        from review.accounts.models import User
        from review.submissions.models import Submission

        with app.app_context():
            office, sub = db.session.get(User, office_id), db.session.get(Submission, sub_id)
            while not stop.is_set():
                record_event(sub, office, "note", reason=str(len(written)))
                db.session.commit()
                written.append(1)
            db.session.remove()

    db.session.commit()
    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        dest = tmp_path / "backup"
        made = app.test_cli_runner().invoke(args=["backup", str(dest)])
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert made.exit_code == 0, made.output
    target = _fresh_app(tmp_path, monkeypatch, "restored")
    with target.app_context():
        done = target.test_cli_runner().invoke(args=["restore", str(dest)])
        assert done.exit_code == 0, done.output
        db.session.remove()
    shutil.rmtree(dest)
