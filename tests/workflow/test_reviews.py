"""Invitations, reminders, replacement, opinions and decisions: the rules users rely on."""
from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from review.extensions import db
from review.reviews import operations as rops
from review.reviews.models import AssignmentStatus, ReminderLog
from review.submissions.models import Status
from review.workflow import TransitionError


def outbox(app) -> list:
    return [message_from_bytes(p.read_bytes(), policy=default) for p in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))]


def test_invitations_are_mailed_with_a_login_link(app, loop):
    mails = [m for m in outbox(app) if "审查邀请" in m["Subject"]]
    assert len(mails) == 3
    body = mails[0].get_content()
    assert "校园健康促进行动实施方案" in body and app.config["BASE_URL"] in body and "/reviews/" in body


def test_rolled_back_action_sends_no_mail(app, loop):
    before = len(outbox(app))
    a = loop["sub"].round_assignments()[0]
    rops.send_reminder(loop["office"], a, "manual")
    db.session.rollback()
    assert len(outbox(app)) == before


def test_automatic_reminders_once_a_day_and_manual_resend(app, loop):
    sub, due = loop["sub"], loop["due"]
    day_before = due - timedelta(days=1)
    assert rops.due_reminders(day_before) == 3
    db.session.commit()
    assert rops.due_reminders(day_before) == 0  # never twice in a day
    db.session.commit()
    overdue_day = due + timedelta(days=1)
    assert rops.due_reminders(overdue_day) == 3
    db.session.commit()
    assert rops.due_reminders(overdue_day + timedelta(days=1)) == 3  # overdue: again the next day
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(ReminderLog.id))) == 9
    a = sub.round_assignments()[0]
    assert rops.send_reminder(loop["office"], a, "manual") and rops.send_reminder(loop["office"], a, "manual")
    db.session.commit()
    subjects = [m["Subject"] for m in outbox(app)]
    assert sum("办公室催办" in s for s in subjects) == 2
    assert sum("已逾期" in s for s in subjects) == 6


def test_a_reminder_skipped_in_a_savepoint_keeps_the_others_mails(app, loop):
    """An overlapping cron run already reminded the second expert: its savepoint rolls back, and the
    first expert's reminder, queued earlier in the same transaction, still goes out after commit."""
    first, second = loop["sub"].round_assignments()[:2]
    overdue_day = loop["due"] + timedelta(days=1)
    db.session.add(ReminderLog(assignment_id=second.id, kind="overdue", day=overdue_day))
    db.session.commit()
    before = set(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert rops.send_reminder(None, first, "overdue", overdue_day)
    assert not rops.send_reminder(None, second, "overdue", overdue_day)
    db.session.commit()
    new = set(Path(app.config["OUTBOX_DIR"]).glob("*.eml")) - before
    assert [message_from_bytes(p.read_bytes(), policy=default)["To"] for p in new] == [first.expert.user.email]


def test_no_reminder_far_from_the_deadline(app, loop):
    assert rops.due_reminders(date.today()) == 0


def test_remind_command(app, loop):
    result = app.test_cli_runner().invoke(args=["remind", "--today", (loop["due"] + timedelta(days=1)).isoformat()])
    assert result.exit_code == 0 and "3 reminder(s) sent" in result.output


def test_decline_offers_replacement_and_can_be_reopened(app, loop, make):
    sub, office = loop["sub"], loop["office"]
    make.user("expert", expert_name="戊专家", domains=["school_health"], expertise="学校卫生监督")
    a = sub.round_assignments()[0]
    expert_user = a.expert.user
    with pytest.raises(rops.ReviewError):
        rops.respond(expert_user, a, "decline", "")
    rops.respond(expert_user, a, "decline", "出差")
    db.session.commit()
    assert a.status is AssignmentStatus.declined
    rops.reopen_invitation(office, a)
    assert a.status is AssignmentStatus.invited
    rops.respond(expert_user, a, "conflict", "曾参与该局课题")
    db.session.commit()
    from review.routing.operations import propose_for_submission

    proposal = propose_for_submission(sub)
    assert a.expert_id in {e.expert.id for e in proposal.excluded}  # the declared conflict now excludes
    alternate = proposal.alternates[0].expert.id
    new = rops.replace_expert(office, a, alternate)
    db.session.commit()
    assert a.status is AssignmentStatus.replaced and a.replaced_by_id == new.id
    assert new.status is AssignmentStatus.invited and new.due == a.due


def test_conflicted_or_overloaded_experts_cannot_be_assigned(app, loop):
    from review.experts.models import Expert

    sub, office = loop["sub"], loop["office"]
    insider = Expert(name="局内专家", domains=["school_health"], affiliation="滨海新区教育局教研室")
    busy = Expert(name="忙碌专家", domains=["school_health"], max_load=0)
    db.session.add_all([insider, busy])
    db.session.commit()
    for expert in (insider, busy):
        with pytest.raises(rops.ReviewError) as info:
            rops.assign_experts(office, sub, [expert.id], loop["due"])
        assert info.value.code == "expert_excluded"


def test_experts_do_not_see_each_other_before_submitting(app, loop):
    from review.permissions import can_view_opinions

    sub = loop["sub"]
    a1, a2, _ = sub.round_assignments()
    u1, u2 = a1.expert.user, a2.expert.user
    rops.save_opinion(u1, a1, {"recommendation": "modify", "summary": "需修改"}, submit=True)
    db.session.commit()
    assert not can_view_opinions(u2, sub, 1)
    assert can_view_opinions(u1, sub, 1)
    assert not can_view_opinions(loop["dept"], sub, 1)  # department: only after the conclusion
    from review.audit.models import CommitteeSetting

    db.session.merge(CommitteeSetting(id=1, experts_see_peers=True))
    assert can_view_opinions(u2, sub, 1)


def test_submitted_opinion_is_locked(app, loop):
    a = loop["sub"].round_assignments()[0]
    user = a.expert.user
    with pytest.raises(rops.ReviewError) as info:
        rops.save_opinion(user, a, {"summary": "x"}, submit=True)
    assert info.value.code == "recommendation_required"
    db.session.rollback()
    rops.save_opinion(user, a, {"recommendation": "approve", "summary": "同意"}, submit=True)
    db.session.commit()
    with pytest.raises(TransitionError):
        rops.save_opinion(user, a, {"summary": "改写"}, submit=False)


def test_an_expert_cannot_touch_another_experts_seat(app, loop):
    a1, a2, _ = loop["sub"].round_assignments()
    with pytest.raises(TransitionError):
        rops.save_opinion(a2.expert.user, a1, {"summary": "冒名"})
    with pytest.raises(TransitionError):
        rops.respond(a2.expert.user, a1, "accept")


def test_close_early_then_decide_with_dissent(app, loop):
    sub, office = loop["sub"], loop["office"]
    a1 = sub.round_assignments()[0]
    rops.save_opinion(a1.expert.user, a1, {"recommendation": "redraft", "summary": "问题较多",
                                            "comments": [{"clause": sub.current_version.clauses[4].key,
                                                          "text": "缺少评估", "severity": "high"}]}, submit=True)
    rops.close_review(office, sub, "其余专家未按期反馈")
    db.session.commit()
    assert sub.status is Status.deliberation
    assert {a.status for a in sub.round_assignments()[1:]} == {AssignmentStatus.cancelled}
    assert rops.propose_conclusion(rops.submitted_opinions(sub)).value == "redraft"
    with pytest.raises(rops.ReviewError):
        rops.decide(office, sub, "modify", "")
    decision = rops.decide(office, sub, "modify", "经合议，修改后可达到要求")
    db.session.commit()
    assert decision.dissent == [{"expert_id": a1.expert_id, "name": a1.expert.name, "recommendation": "redraft"}]
    assert sub.status is Status.concluded


def test_proposed_conclusion_rule():
    from types import SimpleNamespace as NS

    from review.reviews.models import Severity
    from review.submissions.models import Conclusion as C

    def op(rec, high=False):
        return NS(recommendation=rec, comments=[NS(severity=Severity.high)] if high else [])

    assert rops.propose_conclusion([op(C.approve), op(C.approve), op(C.modify)]) is C.approve
    assert rops.propose_conclusion([op(C.approve), op(C.modify)]) is C.modify
    assert rops.propose_conclusion([op(C.modify), op(C.redraft), op(C.reject)]) is C.redraft
    assert rops.propose_conclusion([op(C.approve), op(C.approve, high=True), op(C.approve)]) is C.modify
    assert rops.propose_conclusion([]) is None
    assert rops.agreement([op(C.approve), op(C.approve)]) == "all_approve"
    assert rops.agreement([op(C.approve), op(C.modify)]) == "conflicting"


@pytest.mark.parametrize("answer", ["decline", "conflict"])
def test_last_open_seat_declining_moves_the_review_to_deliberation(app, loop, answer):
    sub = loop["sub"]
    first, second, third = sub.round_assignments()
    for a in (first, second):
        rops.respond(a.expert.user, a, "accept")
        rops.save_opinion(a.expert.user, a, {"recommendation": "approve", "summary": "同意"}, submit=True)
    db.session.commit()
    assert sub.status is Status.under_review
    rops.respond(third.expert.user, third, answer, "出差")
    db.session.commit()
    assert sub.status is Status.deliberation


def test_declines_without_any_opinion_keep_the_review_open(app, loop):
    sub = loop["sub"]
    for a in sub.round_assignments():
        rops.respond(a.expert.user, a, "decline", "出差")
    db.session.commit()
    assert sub.status is Status.under_review  # nothing to deliberate on: the office replaces experts
