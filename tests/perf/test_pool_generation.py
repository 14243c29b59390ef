"""The pool's generation row: every change routing depends on invalidates the stored proposal,
and nothing else does; the detail page reads one row instead of aggregating the pool."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from review.extensions import db
from tests.perf.test_routing_store import _stored_rows, _sub, routing, site  # noqa: F401 - fixtures


def _key(sub):
    from review.routing import operations as ro
    from review.routing import store

    period = ro.review_period(due=sub.review_due)
    inputs = [sub.panel_size, sub.department.names(), sorted(e.id for e in sub.drafters), period]
    return store.proposal_key(sub.current_version.id, inputs, store.pool_signature())


def _stored_key(sub) -> str:
    from review.routing.models import StoredProposal

    return db.session.scalar(db.select(StoredProposal.key).where(StoredProposal.version_id == sub.current_version.id))


def _proposed(site, routing):
    sub = _sub(site, site.volume.accepted[0])
    routing.propose_for_submission(sub)
    db.session.commit()
    assert _stored_key(sub) == _key(sub)
    return sub


def _assert_invalidated(sub, before: dict, part: str):
    from review.routing import store

    after = store.pool_signature()
    assert after[part] != before[part]
    assert _stored_key(sub) != _key(sub)  # the stored proposal no longer matches: the page recomputes


def test_availability_seat_opinion_and_conflict_each_invalidate(site, routing):
    from review.accounts.models import Department
    from review.experts.models import Expert, ExpertConflict, ExpertUnavailability
    from review.reviews.models import Assignment, AssignmentStatus, Opinion, OpinionStatus
    from review.routing import store
    from review.submissions.models import Conclusion

    sub = _proposed(site, routing)
    expert_id = db.session.scalars(db.select(Expert.id).order_by(Expert.id)).first()

    before = store.pool_signature()
    db.session.add(ExpertUnavailability(expert_id=expert_id, start=date.today(), end=date.today() + timedelta(days=30)))
    db.session.commit()
    _assert_invalidated(sub, before, "state")

    sub = _proposed(site, routing)
    before = store.pool_signature()
    db.session.add(Assignment(submission_id=site.volume.under_review[0], round=1, expert_id=expert_id,
                              status=AssignmentStatus.invited))
    db.session.commit()
    _assert_invalidated(sub, before, "state")

    sub = _proposed(site, routing)
    before = store.pool_signature()
    seat = db.session.scalar(db.select(Assignment).where(Assignment.status == AssignmentStatus.accepted))
    seat.status = AssignmentStatus.submitted
    db.session.add(Opinion(assignment_id=seat.id, status=OpinionStatus.submitted, recommendation=Conclusion.modify,
                           summary="建议增加学校体育设施开放时间", submitted_at=datetime.now(timezone.utc)))
    db.session.commit()
    _assert_invalidated(sub, before, "text")

    sub = _proposed(site, routing)
    before = store.pool_signature()
    department = db.session.scalars(db.select(Department.id).order_by(Department.id)).first()
    db.session.add(ExpertConflict(expert_id=expert_id, department_id=department, reason="曾参与起草"))
    db.session.commit()
    _assert_invalidated(sub, before, "state")

    sub = _proposed(site, routing)
    before = store.pool_signature()
    db.session.get(Expert, expert_id).expertise = "儿童青少年近视防控"
    db.session.commit()
    _assert_invalidated(sub, before, "text")

    # A withdrawn period (a delete) counts as well.
    sub = _proposed(site, routing)
    before = store.pool_signature()
    db.session.delete(db.session.scalars(db.select(ExpertUnavailability).order_by(ExpertUnavailability.id.desc())).first())
    db.session.commit()
    _assert_invalidated(sub, before, "state")


def test_unrelated_changes_keep_the_stored_proposal(site, routing):
    from review.accounts.models import User
    from review.audit.models import Notification
    from review.reviews.models import Assignment, AssignmentStatus, Opinion, OpinionStatus
    from review.routing import store

    sub = _proposed(site, routing)
    before = store.pool_signature()
    user = db.session.scalars(db.select(User).order_by(User.id)).first()
    db.session.add(Notification(user_id=user.id, kind="note", message="x"))
    user.display_name = "王主任"
    db.session.commit()
    # A draft opinion being edited changes no profile and no load.
    seat = db.session.scalar(db.select(Assignment).where(Assignment.status == AssignmentStatus.accepted))
    draft = Opinion(assignment_id=seat.id, status=OpinionStatus.draft, summary="草稿")
    db.session.add(draft)
    db.session.commit()
    draft.summary = "草稿，续写"
    db.session.commit()
    # A transaction that is rolled back bumps nothing.
    from review.experts.models import Expert

    db.session.scalars(db.select(Expert)).first().expertise = "回滚"
    db.session.flush()
    db.session.rollback()
    assert store.pool_signature() == before
    assert _stored_key(sub) == _key(sub)
    calls = len(routing.calls)
    assert routing.propose_for_submission(sub) is not None and len(routing.calls) == calls


def test_the_signature_is_one_statement_on_one_row(site):
    from review.routing import store
    from review.routing.models import PoolGeneration

    assert db.session.get(PoolGeneration, 1) is not None  # the bulk load bumped it explicitly
    with site.counting() as seen:
        store.pool_signature()
    assert len(seen) == 1 and "routing_pool_generation" in seen[0]
    assert "expert" not in seen[0].split("FROM", 1)[1].replace("routing_pool_generation", "")
