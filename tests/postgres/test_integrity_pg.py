"""The audit chain under concurrent writers, and backup/restore (pg_dump/pg_restore), on PostgreSQL."""
from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from review import create_app
from review.audit.models import AuditEvent
from review.audit.operations import record_event
from review.extensions import db
from review.sheets import operations as ops
from tests.concurrency import run_at_once
from tests.integrity.roundtrip import all_files, all_rows
from tests.sheets.builders import Committee


@pytest.fixture
def second_database(postgres_url):
    name = f"hiap_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_chain_backup_and_restore_on_postgresql(pg_app, second_database, tmp_path, monkeypatch):
    committee = Committee(prefix="pg")
    sheet, _ = ops.issue_sheet(committee.office, committee.decided("modify"))
    db.session.commit()
    office_id, sub_id = committee.office.id, sheet.submission_id

    def job(n, barrier):
        from review.accounts.models import User
        from review.submissions.models import Submission

        office, sub = db.session.get(User, office_id), db.session.get(Submission, sub_id)
        barrier.wait()
        for k in range(4):
            record_event(sub, office, "note", reason=f"{n}-{k}")
            db.session.commit()
        return n

    results, errors = run_at_once(pg_app, job, list(range(6)))
    assert errors == [] and len(results) == 6
    seqs = list(db.session.scalars(db.select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 26
    runner = pg_app.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify", "--sign"])
    assert verified.exit_code == 0, verified.output

    rows, files = all_rows(), all_files(pg_app)
    dest = tmp_path / "backup"
    made = runner.invoke(args=["backup", str(dest)])
    assert made.exit_code == 0, made.output
    assert json.loads((dest / "manifest.json").read_text())["database"]["engine"] == "postgresql"

    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "restored"))
    monkeypatch.setenv("REVIEW_DATABASE_URL", second_database)
    target = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with target.app_context():
        cli = target.test_cli_runner()
        assert cli.invoke(args=["init-db"]).exit_code == 0  # an empty schema does not count as data
        done = cli.invoke(args=["restore", str(dest)])
        assert done.exit_code == 0, done.output
        assert all_rows() == rows and all_files(target) == files
        check = ops.check_sheet_pdf(ops.sheet_path(sheet.pdf_key).read_bytes())
        assert check.authentic and check.matches_register
        assert cli.invoke(args=["audit", "verify"]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
    db.session.execute(db.text("UPDATE decision SET conclusion = 'reject'"))
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "conclusion is 'reject', recorded 'modify'" in broken.output
