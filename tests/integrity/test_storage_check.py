"""`flask --app wsgi storage check [--fix]` after a worker was killed in the middle of an upload."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from review.extensions import db
from review.submissions.models import StoredFile
from review.submissions.storage import upload_path
from tests.workflow.conftest import loop  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]

# A worker saving an upload whose client stalls after the first megabyte; killed there.
CHILD = textwrap.dedent("""
    import io, sys, time
    from werkzeug.datastructures import FileStorage
    from review import create_app

    class Stalling(io.RawIOBase):
        sent = 0
        def readable(self):
            return True
        def read(self, size=-1):
            self.sent += 1
            if self.sent == 1:
                return b"PK\\x03\\x04" + b"x" * (1 << 20)
            print("writing", flush=True)
            time.sleep(600)
            return b""

    app = create_app({"TESTING": True})
    with app.test_request_context():
        from review.submissions.storage import save_upload
        save_upload(FileStorage(stream=Stalling(), filename="方案.docx"))
""")


def _kill_mid_upload() -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL


def _age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.mark.slow
def test_a_killed_upload_leaves_an_orphan_that_fix_removes(app, loop):
    runner = app.test_cli_runner()
    db.session.commit()
    clean = runner.invoke(args=["storage", "check"])
    assert clean.exit_code == 0, clean.output
    _kill_mid_upload()
    root = Path(app.config["UPLOAD_DIR"])
    named = {upload_path(k) for k in db.session.scalars(db.select(StoredFile.storage_key))}
    orphans = [p for p in root.rglob("*") if p.is_file() and p not in named]
    assert len(orphans) == 1  # the killed worker's file: no row, since it never committed
    report = runner.invoke(args=["storage", "check"])
    assert report.exit_code == 1 and f"ORPHAN FILE: {orphans[0]} orphan" in report.output
    young = runner.invoke(args=["storage", "check", "--fix"])
    assert "kept (younger than the grace period)" in young.output and orphans[0].exists()
    _age(orphans[0], 2 * 3600)
    fixed = runner.invoke(args=["storage", "check", "--fix"])
    assert f"ORPHAN FILE: {orphans[0]} removed" in fixed.output and fixed.exit_code == 0
    assert not orphans[0].exists() and all(p.exists() for p in named)
    assert runner.invoke(args=["storage", "check"]).exit_code == 0


def test_a_row_without_its_file_is_reported_and_kept(app, loop, issued):
    _, sheet, _ = issued
    stored = db.session.scalars(db.select(StoredFile)).first()
    upload_path(stored.storage_key).unlink()
    from review.sheets.operations import sheet_path

    sheet_path(sheet.docx_key).unlink()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["storage", "check", "--fix", "--grace-minutes", "0"])
    assert result.exit_code == 1
    assert f"MISSING FILE: stored_file {stored.id}: " in result.output
    assert f"MISSING FILE: opinion_sheet {sheet.id}: " in result.output and "0 removed" in result.output
    assert db.session.get(StoredFile, stored.id) is not None
