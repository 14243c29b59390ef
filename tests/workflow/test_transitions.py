"""Every (state, action, role) against the transition table, written out independently."""
from __future__ import annotations

import itertools

import pytest

from review.audit.models import AuditEvent
from review.extensions import db
from review.submissions.models import Conclusion, Lane, PolicyType, Status, Submission
from review.workflow import ACTIONS, TransitionError, can, transition

S = Status
# (state, action) -> (target, roles allowed). "owner" is a user of the submitting department;
# "other_dept" a department user of another department; "system" the automatic actor.
EXPECTED = {
    (S.submitted, "accept"): (S.accepted, {"office"}),
    (S.submitted, "return"): (S.returned, {"office"}),
    (S.returned, "resubmit"): (S.submitted, {"owner"}),
    (S.accepted, "start_review"): (S.under_review, {"office"}),  # not in 备案确认 (LANE_RULES)
    (S.accepted, "confirm_filing"): (S.concluded, {"office"}),  # only in 备案确认
    (S.under_review, "close_review"): (S.deliberation, {"office"}),
    (S.under_review, "opinions_complete"): (S.deliberation, {"system", "office", "owner", "other_dept", "expert", "justice", "admin"}),
    (S.deliberation, "reopen_review"): (S.under_review, {"office"}),
    (S.deliberation, "decide"): (S.concluded, {"office"}),
    (S.concluded, "revise"): (S.under_review, {"owner"}),  # only after 修改 / 重新起草
    **{(s, "withdraw"): (S.withdrawn, {"owner"})
       for s in (S.submitted, S.returned, S.accepted, S.under_review, S.deliberation)},
}
ACTORS = ["office", "owner", "other_dept", "expert", "justice", "admin"]
REASONED = {"return", "close_review", "reopen_review", "withdraw", "confirm_filing"}
# The lanes share the table; in each lane some pairs are closed to everyone. None: accepted before lanes.
LANES = [None, Lane.general, Lane.simple, Lane.filing]
LANE_RULES = {
    None: {(S.accepted, "confirm_filing")},
    Lane.general: {(S.accepted, "confirm_filing")},
    Lane.simple: {(S.accepted, "confirm_filing")},
    Lane.filing: {(S.accepted, "start_review")},
}


def expected_for(lane, state, action):
    """(target, roles) in this lane; roles empty when the lane closes the pair; None when no pair."""
    expected = EXPECTED.get((state, action))
    if expected is not None and (state, action) in LANE_RULES[lane]:
        return expected[0], set()
    return expected


@pytest.fixture
def actors(make):
    users = {
        "office": make.user("office"),
        "owner": make.user("department", department="教育局"),
        "other_dept": make.user("department", department="住建局"),
        "expert": make.user("expert"),
        "justice": make.user("justice"),
        "admin": make.user("admin"),
    }
    return users


def _submission(owner, status: Status, conclusion: Conclusion | None = None, lane: Lane | None = None) -> Submission:
    sub = Submission(title="测试", department_id=owner.department_id, policy_type=PolicyType.normative,
                     created_by=owner, status=status, conclusion=conclusion, lane=lane)
    db.session.add(sub)
    db.session.flush()
    return sub


def test_the_table_covers_exactly_the_expected_pairs():
    from review.workflow import TRANSITIONS

    assert {(t.source, t.action): t.target for t in TRANSITIONS} == {k: v[0] for k, v in EXPECTED.items()}


@pytest.mark.parametrize("state, action", list(itertools.product(Status, ACTIONS)))
def test_every_state_action_role(app, actors, state, action):
    for lane in LANES:
        expected = expected_for(lane, state, action)
        for name in ACTORS:
            actor = actors[name]
            conclusion = Conclusion.modify if state is S.concluded else None
            sub = _submission(actors["owner"], state, conclusion, lane)
            allowed = expected is not None and name in expected[1]
            assert can(actor, sub, action) is allowed, (lane, state, action, name)
            before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
            if allowed:
                if action in ("decide", "confirm_filing"):
                    sub.conclusion = Conclusion.approve  # decide() / confirm_filing() set it with the transition
                transition(sub, action, actor, reason="理由" if action in REASONED else "")
                assert sub.status is expected[0]
                event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
                assert (event.action, event.from_state, event.to_state, event.actor_id) == (
                    action, state.value, expected[0].value, actor.id)
            else:
                with pytest.raises(TransitionError) as info:
                    transition(sub, action, actor, reason="理由")
                assert info.value.code == ("invalid_state" if expected is None else "forbidden"), (lane, name)
                assert sub.status is state
                assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
            db.session.rollback()


def test_every_lane_has_a_way_to_a_conclusion():
    """Walk the table from submitted to concluded as the office and the system, lane by lane."""
    from review.workflow import TRANSITIONS

    for lane in LANES:
        reachable, frontier = {S.submitted}, [S.submitted]
        while frontier:
            state = frontier.pop()
            for t in TRANSITIONS:
                exp = expected_for(lane, t.source, t.action)
                if t.source is state and exp and exp[1] & {"office", "system"} and t.target not in reachable:
                    reachable.add(t.target)
                    frontier.append(t.target)
        assert S.concluded in reachable, lane
        assert (S.under_review in reachable) is (lane is not Lane.filing), lane


@pytest.mark.parametrize("conclusion, allowed", [(Conclusion.modify, True), (Conclusion.redraft, True),
                                                 (Conclusion.approve, False), (Conclusion.reject, False)])
def test_only_modify_or_redraft_can_be_revised(app, actors, conclusion, allowed):
    sub = _submission(actors["owner"], S.concluded, conclusion)
    assert can(actors["owner"], sub, "revise") is allowed


@pytest.mark.parametrize("action, state, actor", [("return", S.submitted, "office"), ("withdraw", S.submitted, "owner"),
                                                  ("close_review", S.under_review, "office")])
def test_reason_is_required(app, actors, action, state, actor):
    sub = _submission(actors["owner"], state)
    with pytest.raises(TransitionError) as info:
        transition(sub, action, actors[actor], reason="  ")
    assert info.value.code == "reason_required"


def test_only_the_system_may_act_without_an_actor(app, actors):
    sub = _submission(actors["owner"], S.under_review)
    transition(sub, "opinions_complete", None)
    assert sub.status is S.deliberation
    with pytest.raises(TransitionError):
        transition(sub, "decide", None)


def test_transition_notifies(app, actors):
    from review.audit.models import Notification

    sub = _submission(actors["owner"], S.submitted)
    transition(sub, "return", actors["office"], reason="缺少公函")
    db.session.flush()
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == actors["owner"].id))
    assert note.kind == "submission.return" and note.params["reason"] == "缺少公函"
