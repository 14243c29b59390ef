"""跟踪评估: set at an approving decision, dated at publication, reminded, reported, answered."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from review.audit.models import AuditEvent, Notification
from review.calendar import add_months
from review.extensions import db
from review.followups import operations as fops
from review.followups.models import FollowUp, FollowUpReminder, FollowUpStatus
from review.followups.reminders import due_followup_reminders
from review.reviews import operations as rops
from tests.workflow.test_reviews import outbox

INDICATORS = [{"text": "学生体质健康达标率", "target": "≥92%"}, {"text": "近视率年降幅", "target": "1个百分点"}]


@pytest.fixture
def approved(loop):
    """The loop's submission, approved by the panel and the office."""
    sub = loop["sub"]
    users = {u.expert_id: u for u in loop["experts"]}
    for a in sub.round_assignments():
        rops.save_opinion(users[a.expert_id], a, {"recommendation": "approve", "summary": "同意"}, submit=True)
    rops.decide(loop["office"], sub, "approve")
    db.session.commit()
    return loop


def _set(loop, due=None) -> FollowUp:
    fu = fops.set_followup(loop["office"], loop["sub"], INDICATORS + [{"text": "", "target": ""}], due)
    db.session.commit()
    return fu


@contextmanager
def login(app, username):
    from tests.conftest import Factory

    client = app.test_client()
    with app.app_context():
        assert client.post("/login", data={"username": username, "password": Factory.PASSWORD}).status_code == 302

    class Calls:
        def get(self, path):
            with app.app_context():  # each request its own context (its own g and session)
                return client.get(path)

        def post(self, path, data):
            with app.app_context():
                return client.post(path, data=data)
    yield Calls()


def test_only_an_approved_policy_is_followed_up(app, loop):
    with pytest.raises(fops.FollowUpError) as info:
        fops.set_followup(loop["office"], loop["sub"], INDICATORS)
    assert info.value.code == "followup_not_approved"


def test_office_sets_indicators_due_after_publication(app, approved):
    from review.registry.operations import record_publication

    with pytest.raises(fops.FollowUpError) as info:
        fops.set_followup(approved["dept"], approved["sub"], INDICATORS)
    assert info.value.code == "forbidden"
    with pytest.raises(fops.FollowUpError) as info:
        fops.set_followup(approved["office"], approved["sub"], [{"text": "", "target": "≥92%"}])
    assert info.value.code == "indicator_text_missing"
    with pytest.raises(fops.FollowUpError) as info:
        fops.set_followup(approved["office"], approved["sub"], INDICATORS, date.today())
    assert info.value.code == "followup_date_past"
    db.session.rollback()
    fu = _set(approved)
    assert [(i.text, i.target) for i in fu.indicators] == [(r["text"], r["target"]) for r in INDICATORS]
    assert (fu.due_on, fu.months_after_publication) == (None, 12)
    with login(app, "office") as office:
        page = office.get(f"/followups/{fu.id}").get_data(as_text=True)
    assert "发布后12个月" in page or "12 months after publication" in page
    published = date.today() - timedelta(days=3)
    record_publication(approved["dept"], approved["sub"].registry_entry, "津滨教〔2026〕3号", published)
    db.session.commit()
    db.session.refresh(fu)
    assert fu.due_on == add_months(published, 12)


def test_add_months_keeps_the_day_or_the_months_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 15), 12) == date(2027, 3, 15)
    assert add_months(date(2027, 12, 1), 1) == date(2028, 1, 1)


def test_reminders_due_not_due_once_a_day_and_mailed(app, approved, runner, caplog):
    due = date.today() + timedelta(days=30)
    fu = _set(approved, due)
    assert due_followup_reminders(due - timedelta(days=1)) == 0  # not due yet
    with caplog.at_level(logging.INFO, logger="review.followups.reminders"):
        assert due_followup_reminders(due) == 1
    db.session.commit()
    assert any(f"followup {fu.id}" in r.getMessage() for r in caplog.records)
    assert due_followup_reminders(due) == 0  # the same day again: nothing
    assert due_followup_reminders(due + timedelta(days=1)) == 0  # reminded yesterday
    db.session.commit()
    notes = db.session.scalars(db.select(Notification).where(Notification.kind == "followup.due")).all()
    assert [n.user_id for n in notes] == [approved["dept"].id] and notes[0].url == f"/followups/{fu.id}"
    mails = [m for m in outbox(app) if "跟踪评估到期" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "edu@example.cn" and f"/followups/{fu.id}" in mails[0].get_content()
    # Overdue: again after FOLLOWUP_REMIND_EVERY days, through the daily command.
    later = (due + timedelta(days=7)).isoformat()
    result = runner.invoke(args=["remind", "--today", later])
    assert result.exit_code == 0 and "1 follow-up reminder(s) sent" in result.output
    result = runner.invoke(args=["remind", "--today", later])
    assert "0 follow-up reminder(s) sent" in result.output
    assert db.session.scalar(db.select(db.func.count(FollowUpReminder.id))) == 2
    assert len(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "remind_followup")).all()) == 2


def test_a_reported_followup_is_not_reminded(app, approved):
    due = date.today() + timedelta(days=5)
    fu = _set(approved, due)
    fops.submit_report(approved["dept"], fu, {str(i.id): "达标" for i in fu.indicators}, "yes", "")
    db.session.commit()
    assert due_followup_reminders(due + timedelta(days=1)) == 0


def test_department_reports_and_office_accepts(app, approved):
    fu = _set(approved, date.today() + timedelta(days=20))
    ids = [i.id for i in fu.indicators]
    with pytest.raises(fops.FollowUpError) as info:
        fops.submit_report(approved["dept"], fu, {str(ids[0]): "93.1%"}, "yes", "")
    assert info.value.code == "followup_result_missing"
    with pytest.raises(fops.FollowUpError) as info:
        fops.submit_report(approved["dept"], fu, {str(i): "x" for i in ids}, "partly", " ")
    assert info.value.code == "followup_explain"
    with pytest.raises(fops.FollowUpError) as info:
        fops.submit_report(approved["dept"], fu, {str(i): "x" for i in ids}, "maybe", "x")
    assert info.value.code == "followup_expected"
    db.session.rollback()
    with login(app, "edu") as dept:
        r = dept.post(f"/followups/{fu.id}/report", {f"result-{ids[0]}": "93.1%", f"result-{ids[1]}": "0.6个百分点",
                                                    "expected": "partly", "report_text": "近视率降幅未达目标"})
        assert r.status_code == 302
    db.session.expire_all()
    fu = db.session.get(FollowUp, fu.id)
    assert fu.status is FollowUpStatus.reported and fu.expected.value == "partly"
    assert [i.result for i in fu.indicators] == ["93.1%", "0.6个百分点"]
    assert db.session.scalar(db.select(Notification).where(Notification.kind == "followup.report",
                                                           Notification.user_id == approved["office"].id))
    with pytest.raises(fops.FollowUpError) as info:
        fops.submit_report(approved["dept"], fu, {str(i): "x" for i in ids}, "yes", "")
    assert info.value.code == "followup_reported"
    with pytest.raises(fops.FollowUpError) as info:
        fops.accept_report(approved["dept"], fu)
    assert info.value.code == "forbidden"
    with login(app, "office") as office:
        page = office.get(f"/followups/{fu.id}").get_data(as_text=True)
        assert "近视率降幅未达目标" in page and 'id="review-report"' in page
        office.post(f"/followups/{fu.id}/accept", {"note": "下一年度继续监测"})
    db.session.expire_all()
    fu = db.session.get(FollowUp, fu.id)
    assert (fu.status, fu.review_note) == (FollowUpStatus.accepted, "下一年度继续监测")


def test_another_department_neither_sees_nor_reports(app, approved, make):
    fu = _set(approved, date.today() + timedelta(days=20))
    with pytest.raises(fops.FollowUpError) as info:
        fops.submit_report(approved["other"], fu, {str(i.id): "x" for i in fu.indicators}, "yes", "")
    assert info.value.code == "forbidden"
    db.session.rollback()
    make.user("expert", username="e9", expert_name="戊专家")
    with login(app, "env") as other:
        assert other.get(f"/followups/{fu.id}").status_code == 404
        assert other.post(f"/followups/{fu.id}/report", {"expected": "yes"}).status_code == 404
        assert approved["sub"].title not in other.get("/followups/").get_data(as_text=True)
    with login(app, "e9") as expert:
        assert expert.get(f"/followups/{fu.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(FollowUp, fu.id).status is FollowUpStatus.scheduled


def test_office_asks_for_a_new_review_of_the_same_registry_entry(app, approved):
    from review.submissions import operations as sops
    from tests.docs import LETTER, docx_bytes
    from tests.workflow.conftest import fs

    fu = _set(approved, date.today() + timedelta(days=20))
    fops.submit_report(approved["dept"], fu, {str(i.id): "未达标" for i in fu.indicators}, "no", "学生近视率上升")
    db.session.commit()
    with pytest.raises(fops.FollowUpError) as info:
        fops.request_new_review(approved["office"], fu, " ")
    assert info.value.code == "reason_required"
    db.session.rollback()
    fops.request_new_review(approved["office"], fu, "健康影响与预期不符")
    db.session.commit()
    note = db.session.scalar(db.select(Notification).where(Notification.kind == "followup.new_review"))
    assert note.user_id == approved["dept"].id and note.url == f"/submissions/new?followup={fu.id}"
    with login(app, "edu") as dept:
        page = dept.get(note.url).get_data(as_text=True)
    assert f'name="followup" value="{fu.id}"' in page and approved["sub"].title in page
    staged = sops.stage_submission(approved["dept"], {"title": approved["sub"].title, "policy_type": "normative",
                                                      "followup": str(fu.id)},
                                   draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
    new = sops.confirm_submission(approved["dept"], staged)
    db.session.commit()
    db.session.refresh(fu)
    assert fu.new_submission_id == new.id and new.id != approved["sub"].id
    assert new.registry_entry_id == approved["sub"].registry_entry_id is not None
    # A second submission for the same follow-up is not linked again.
    assert fops.followup_for_new_submission(approved["dept"], fu.id) is None


def _statements(app, fn):
    seen = []
    engine = db.engine
    listener = lambda *a, **k: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_overdue_followups_on_the_board_and_the_department_home(app, approved, make):
    from review.followups.models import Indicator
    from review.reviews.models import Decision
    from review.submissions.models import Conclusion

    fu = _set(approved, date.today() + timedelta(days=20))
    fu.due_on = date.today() - timedelta(days=3)  # time has passed
    db.session.commit()
    with login(app, "office") as office, login(app, "edu") as dept:
        board = office.get("/office/board").get_data(as_text=True)
        home = dept.get("/submissions/").get_data(as_text=True)
        assert 'id="overdue-followups"' in board and f"/followups/{fu.id}" in board
        assert 'id="overdue-followups"' in home and f"/followups/{fu.id}" in home
        one = (_statements(app, lambda: office.get("/office/board")), _statements(app, lambda: dept.get("/submissions/")))
        for n in range(4):  # more overdue follow-ups: the same number of statements per page
            decision = Decision(submission_id=fu.submission_id, round=10 + n, conclusion=Conclusion.approve,
                                decided_by_id=approved["office"].id)
            db.session.add(decision)
            db.session.flush()
            extra = FollowUp(decision_id=decision.id, submission_id=fu.submission_id,
                             department_id=fu.department_id, created_by_id=approved["office"].id,
                             due_on=date.today() - timedelta(days=n + 1))
            extra.indicators = [Indicator(ordinal=0, text="指标", target="")]
            db.session.add(extra)
        db.session.commit()
        five = (_statements(app, lambda: office.get("/office/board")), _statements(app, lambda: dept.get("/submissions/")))
        assert five == one
        assert office.get("/office/board").get_data(as_text=True).count('class="overdue"') >= 5


def test_the_registry_lists_an_entrys_followups_and_procedure(app, approved):
    from review.registry.operations import reviews_of

    fu = _set(approved)
    entry_id = approved["sub"].registry_entry_id
    [row] = fops.followups_of([entry_id])[entry_id]
    assert (row["id"], row["status"], row["due_on"], row["months_after_publication"]) == (fu.id, "scheduled", None, 12)
    assert [r["lane"] for r in reviews_of([entry_id])[entry_id]] == ["general"]


def test_followup_pages_speak_the_users_language(app, approved):
    from tests.workflow.test_i18n_crawl import english_runs

    fu = _set(approved)
    sid = approved["sub"].id
    pages = {"office": ["/followups/", f"/followups/set/{sid}", f"/followups/{fu.id}", f"/office/submissions/{sid}",
                        "/office/board"],
             "edu": ["/followups/", f"/followups/{fu.id}", "/submissions/"]}
    for username, paths in pages.items():
        with login(app, username) as user:
            for path in paths:
                page = user.get(path).get_data(as_text=True)
                assert not english_runs(page), (path, english_runs(page)[:5])
            user.post("/locale/en", {"next": "/"})
            for path in paths:
                page = user.get(path).get_data(as_text=True)
                assert 'lang="en"' in page
                # Chinese only from the documents (title, department, indicators), no Chinese labels.
                for label in ("跟踪评估", "监测指标", "目标值", "审查程序", "发布后"):
                    assert label not in page, (path, label)
            assert "12 months after publication" in user.get(f"/followups/{fu.id}").get_data(as_text=True)
