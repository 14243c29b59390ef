"""`flask --app wsgi audit verify`: the hash chain, its signed heads, decisions and sheets."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from review.audit import chain
from review.audit.models import AuditEvent, AuditHead
from review.audit.operations import record_event
from review.extensions import db
from review.sheets import operations as ops
from tests.concurrency import run_at_once


def verify(app, *extra):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["audit", "verify", *extra])


def events() -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)))


def test_a_fresh_trail_verifies(app, issued):
    result = verify(app)
    assert result.exit_code == 0, result.output
    trail = events()
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1)) and len(trail) >= 2
    assert all(e.prev_hash == p.hash for p, e in zip(trail, trail[1:]))
    assert "OK:" in result.output and "1 decision(s), 1 sheet(s)" in result.output


def test_a_deleted_event_is_the_first_broken_link(app, issued):
    first, second = events()[:2]
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": first.id})
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN: event id {second.id} (seq 2" in result.output and "missing (deleted)" in result.output


def test_the_last_event_deleted_is_caught_by_the_head(app, issued):
    last = events()[-1]
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last.id})
    result = verify(app)
    assert result.exit_code == 1 and "head row says" in result.output


def test_an_edited_event_names_what_differs(app, issued):
    target = events()[0]
    db.session.execute(text("UPDATE audit_event SET reason = '已篡改' WHERE id = :id"), {"id": target.id})
    result = verify(app)
    assert result.exit_code == 1
    assert f"event id {target.id} (seq 1, {target.action}) was changed: reason is '已篡改', recorded ''" in result.output


def test_an_event_inserted_by_hand_is_reported(app, issued):
    db.session.execute(text("INSERT INTO audit_event (action, from_state, to_state, reason, prev_hash, chained, hash,"
                            " created_at) VALUES ('decide', '', '', '', '', '', '', '2026-01-01 00:00:00')"))
    result = verify(app)
    assert result.exit_code == 1 and "is not in the chain" in result.output


def test_a_decision_set_to_reject_in_the_database_is_detected(app, issued):
    _, sheet, _ = issued
    db.session.execute(text("UPDATE decision SET conclusion = 'reject' WHERE id = :id"), {"id": sheet.decision_id})
    db.session.execute(text("UPDATE submission SET conclusion = 'reject' WHERE id = :id"), {"id": sheet.submission_id})
    result = verify(app)
    assert result.exit_code == 1
    assert (f"decision id {sheet.decision_id} (submission {sheet.submission_id}, round 1) differs from the audit "
            "trail: conclusion is 'reject', recorded 'approve'") in result.output


def test_a_submission_conclusion_edited_alone_is_detected(app, issued):
    _, sheet, _ = issued
    db.session.execute(text("UPDATE submission SET conclusion = 'reject' WHERE id = :id"), {"id": sheet.submission_id})
    result = verify(app)
    assert result.exit_code == 1 and "its conclusion is 'reject' but its decision says 'approve'" in result.output


def test_a_changed_sheet_row_or_file_is_detected(app, issued):
    _, sheet, _ = issued
    ops.sheet_path(sheet.pdf_key).write_bytes(b"%PDF-1.4 not the issued file")
    db.session.execute(text("UPDATE opinion_sheet SET code_hash = :h WHERE id = :id"), {"h": "0" * 64, "id": sheet.id})
    result = verify(app)
    assert result.exit_code == 1
    assert f"sheet {sheet.serial} (id {sheet.id}) differs from the audit trail" in result.output
    assert "pdf_sha256" in result.output and "code_hash" in result.output


def test_a_sheet_unrevoked_in_the_database_is_detected(app, issued):
    committee, sheet, _ = issued
    ops.revoke_sheet(committee.admin, sheet, "出具有误")
    db.session.commit()
    assert verify(app).exit_code == 0
    db.session.execute(text("UPDATE opinion_sheet SET status = 'valid', revoked_reason = '' WHERE id = :id"),
                       {"id": sheet.id})
    result = verify(app)
    assert result.exit_code == 1 and "is valid but the audit trail says revoked" in result.output


def test_a_rewritten_chain_is_caught_by_the_signed_head(app, issued):
    signed = verify(app, "--sign")
    assert signed.exit_code == 0 and "signed head seq" in signed.output
    # Someone with write access to the database edits an event and recomputes every later hash.
    trail = events()
    trail[0].reason = "改写"
    prev = ""
    for e in trail:
        e.prev_hash = prev
        e.chained = chain.canonical(chain.event_payload(e))
        e.hash = prev = chain.sha256_hex(e.chained)
    head = db.session.get(AuditHead, chain.HEAD_ID)
    head.hash = prev
    result = verify(app)
    assert result.exit_code == 1
    assert "BROKEN" in result.output and "was rewritten" in result.output


def test_a_forged_signed_head_is_detected(app, issued):
    assert verify(app, "--sign").exit_code == 0
    db.session.execute(text("UPDATE audit_seal SET signature = :s"), {"s": "A" * 88})
    result = verify(app)
    assert result.exit_code == 1 and "has no valid signature" in result.output


def test_an_event_rolled_back_leaves_no_gap(app, issued):
    committee, sheet, _ = issued
    record_event(sheet.submission, committee.office, "note")
    db.session.rollback()
    with db.session.begin_nested():
        record_event(sheet.submission, committee.office, "note", reason="kept")
    record_event(sheet.submission, committee.office, "note", reason="kept too")
    assert verify(app).exit_code == 0
    assert [e.reason for e in events()[-2:]] == ["kept", "kept too"]


@pytest.mark.slow
def test_concurrent_writers_do_not_fork_the_chain_on_sqlite(app, issued):
    committee, sheet, _ = issued
    before = len(events())
    office_id, sub_id = committee.office.id, sheet.submission_id

    def job(n, barrier):
        from review.accounts.models import User
        from review.submissions.models import Submission

        office, sub = db.session.get(User, office_id), db.session.get(Submission, sub_id)
        barrier.wait()
        for k in range(5):
            record_event(sub, office, "note", reason=f"{n}-{k}")
            db.session.commit()
        return n

    results, errors = run_at_once(app, job, list(range(6)))
    assert errors == [] and len(results) == 6
    db.session.expire_all()
    assert [e.seq for e in events()] == list(range(1, before + 31))
    assert verify(app).exit_code == 0
