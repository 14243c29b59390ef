"""Routing proposals are stored per draft version and pool state; expert tokens are stored per expert."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from review.extensions import db


@pytest.fixture
def site(tmp_path, parsed_draft):
    from tests.perf.conftest import SIZES, build_site

    site = build_site(tmp_path, SIZES["small"], parsed_draft)
    with site.app.app_context():
        yield site
        db.session.remove()


@pytest.fixture
def routing(monkeypatch):
    """The routing module with empty process caches (a fresh worker) and a count of segmentations."""
    from review.routing import operations as ro
    from review.routing import store

    ro._cache.clear(), ro._state_cache.clear(), store.forget_decoded()
    calls = []
    real = ro.tokenize
    monkeypatch.setattr(ro, "tokenize", lambda text: calls.append(text) or real(text))
    ro.calls = calls
    yield ro
    ro._cache.clear(), ro._state_cache.clear(), store.forget_decoded()


def _sub(site, sub_id):
    from review.submissions.models import Submission

    return db.session.get(Submission, sub_id)


def _stored_rows():
    from review.routing.models import StoredProposal

    return db.session.scalar(db.select(db.func.count(StoredProposal.id)))


def test_a_stored_proposal_reads_back_equal_and_is_reused(site, routing):
    from review.routing import store

    sub = _sub(site, site.volume.accepted[0])
    first = routing.propose_for_submission(sub)
    db.session.commit()
    assert _stored_rows() == 1 and first.panel
    routing._cache.clear(), routing._state_cache.clear(), store.forget_decoded()
    calls = len(routing.calls)
    again = routing.propose_for_submission(sub)
    assert len(routing.calls) == calls  # read back: no index, no segmentation
    assert again.to_dict() == first.to_dict()
    # A repeat view in the same worker reuses what it decoded: no statement reads the row again.
    with site.counting() as seen:
        third = routing.propose_for_submission(sub)
    assert third is again and not any("stored_proposal" in s.lower() for s in seen)
    assert [m.expert.name for m in again.panel] == [m.expert.name for m in first.panel]
    assert again.top_domains == first.top_domains
    assert store.decode(type(first), store.encode(first)).to_dict() == first.to_dict()


def test_a_change_of_load_or_availability_makes_a_new_proposal(site, routing):
    from review.experts.models import ExpertUnavailability
    from review.reviews.models import Assignment, AssignmentStatus
    from review.routing import store

    sub = _sub(site, site.volume.accepted[0])
    first = routing.propose_for_submission(sub)
    db.session.commit()
    before = store.pool_signature()
    member = first.panel[0].expert.id
    # The chosen expert is away for the whole review: they must leave the panel.
    db.session.add(ExpertUnavailability(expert_id=member, start=date.today(), end=date.today() + timedelta(days=90)))
    db.session.commit()
    assert store.pool_signature()["state"] != before["state"]
    second = routing.propose_for_submission(sub)
    db.session.commit()
    assert member not in [m.expert.id for m in second.panel]
    assert "unavailable" in routing.excluded_reasons(second)[member]
    assert _stored_rows() == 1  # one per version: the stale one was replaced
    # An open seat more changes the loads, and so the key.
    state = store.pool_signature()["state"]
    db.session.add(Assignment(submission_id=site.volume.under_review[0], round=1, expert_id=second.panel[0].expert.id,
                              status=AssignmentStatus.invited))
    db.session.commit()
    assert store.pool_signature()["state"] != state


def test_a_fresh_worker_builds_the_index_from_stored_tokens(site, routing):
    from review.reviews.models import Assignment, AssignmentStatus, Opinion, OpinionStatus
    from review.routing.models import ExpertTokens, StoredProposal
    from review.submissions.models import Conclusion

    experts = site.volume
    routing.propose_for_submission(_sub(site, experts.accepted[0]))
    db.session.commit()
    n_experts = db.session.scalar(db.select(db.func.count(ExpertTokens.expert_id)))
    assert len(routing.calls) == n_experts == 15  # each expert segmented once, and stored
    routing._cache.clear(), routing._state_cache.clear()
    db.session.execute(db.delete(StoredProposal))
    routing.calls.clear()
    routing.propose_for_submission(_sub(site, experts.accepted[1]))
    db.session.commit()
    assert routing.calls == []  # a fresh worker segments nobody
    # One more submitted opinion: only its author is segmented again.
    seat = db.session.scalar(db.select(Assignment).where(Assignment.status == AssignmentStatus.accepted))
    seat.status = AssignmentStatus.submitted
    db.session.add(Opinion(assignment_id=seat.id, status=OpinionStatus.submitted, recommendation=Conclusion.modify,
                           summary="建议增加学校体育设施开放时间", submitted_at=datetime.now(timezone.utc)))
    db.session.commit()
    db.session.execute(db.delete(StoredProposal))
    routing.propose_for_submission(_sub(site, experts.accepted[1]))
    assert len(routing.calls) == 1 and "学校体育设施" in routing.calls[0]
    stored = db.session.get(ExpertTokens, seat.expert_id)
    assert "学校体育设施" in stored.opinions_text
