"""Issuing under concurrency on PostgreSQL: row locks, savepoints and the serial retry for real."""
from __future__ import annotations

import pytest

from review.extensions import db
from review.sheets import operations as ops
from review.sheets.models import OpinionSheet
from tests.concurrency import run_at_once
from tests.postgres.conftest import pg_app, postgres_url  # noqa: F401  (fixtures)
from tests.sheets.builders import Committee

pytestmark = pytest.mark.slow


def test_concurrent_issue_on_postgresql(pg_app):  # noqa: F811
    from review.accounts.models import User
    from review.reviews.models import Decision

    committee = Committee(prefix="pg")
    first = committee.decided("approve", title="甲方案").id
    second = committee.decided("approve", title="乙方案").id
    office_id = committee.office.id
    # Two clicks on the first decision and one on the second, all at once: the second decision's
    # issuer races the first for serial 1 and must retry with 2.
    jobs = [first, first, second]

    def attempt(decision_id, barrier):
        user, decision = db.session.get(User, office_id), db.session.get(Decision, decision_id)
        barrier.wait()
        sheet, code = ops.issue_sheet(user, decision)
        db.session.commit()
        return decision_id, sheet.id, sheet.seq, bool(code)

    results, errors = run_at_once(pg_app, attempt, jobs, timeout=120)
    assert not errors, errors
    sheets = db.session.scalars(db.select(OpinionSheet).order_by(OpinionSheet.seq)).all()
    assert [s.seq for s in sheets] == [1, 2] and {s.decision_id for s in sheets} == {first, second}
    by_decision = {}
    for decision_id, sheet_id, _, fresh in results:
        by_decision.setdefault(decision_id, []).append((sheet_id, fresh))
    assert len({sid for sid, _ in by_decision[first]}) == 1
    assert sorted(fresh for _, fresh in by_decision[first]) == [False, True]
    for s in sheets:
        assert ops.verify_record(s).valid
