"""Review lanes through the operations: 一般程序, 简易程序 (one expert), 备案确认 (no expert)."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from review.audit.models import AuditEvent
from review.extensions import db
from review.submissions.models import Conclusion, Lane, Status
from review.workflow import TransitionError
from tests.docs import LETTER, docx_bytes
from tests.workflow.conftest import EXPERTS, fs


@pytest.fixture
def intake(app, make):
    """A submitted draft whose screening level the test sets: dict(dept, office, experts, submit(level))."""
    from review.submissions import operations as sops

    dept = make.user("department", username="edu", department="教育局", email="edu@example.cn")
    office = make.user("office", username="office", email="office@example.cn")
    experts = [make.user("expert", username=f"e{i}", expert_name=n, domains=d, expertise=x)
               for i, (n, d, x) in enumerate(EXPERTS)]

    def submit(level: str):
        staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                       draft=fs(docx_bytes(), "方案.docx"), letter=fs(LETTER, "公函.txt"))
        sub = sops.confirm_submission(dept, staged)
        screening = copy.deepcopy(sub.current_version.screening)
        screening["impact_level"] = level
        sub.current_version.screening = screening
        db.session.commit()
        return sub

    return {"dept": dept, "office": office, "experts": experts, "submit": submit}


def _events(sub, action):
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.submission_id == sub.id,
                                                               AuditEvent.action == action)))


@pytest.mark.parametrize("level, lane", [("major", Lane.general), ("minor", Lane.simple), ("none", Lane.filing)])
def test_the_screening_suggests_the_lane(intake, level, lane):
    from review.lanes import accept, screening_of, suggested_lane

    sub = intake["submit"](level)
    assert screening_of(sub)["level"] == level and suggested_lane(level) is lane
    assert accept(intake["office"], sub) is lane
    db.session.commit()
    assert sub.lane is lane and sub.status is Status.accepted
    [event] = _events(sub, "accept")
    assert event.data["lane"] == lane.value and event.data["suggested"] == lane.value


def test_departing_from_the_suggestion_needs_a_reason(intake):
    from review.lanes import LaneError, accept

    sub = intake["submit"]("none")
    with pytest.raises(LaneError) as info:
        accept(intake["office"], sub, "general", "  ")
    assert info.value.code == "lane_reason_required" and sub.status is Status.submitted
    with pytest.raises(LaneError) as info:
        accept(intake["office"], sub, "fast", "理由")
    assert info.value.code == "bad_lane"
    accept(intake["office"], sub, "general", "涉及学校食堂，需专家组审查")
    db.session.commit()
    assert sub.lane is Lane.general and sub.lane_reason == "涉及学校食堂，需专家组审查"
    [event] = _events(sub, "accept")
    assert (event.data["lane"], event.data["suggested"], event.reason) == ("general", "filing", "涉及学校食堂，需专家组审查")


def test_simple_lane_has_one_expert_and_a_shorter_deadline(app, intake):
    from review.lanes import accept, default_due
    from review.reviews import operations as rops
    from review.reviews.common import ReviewError
    from review.routing.operations import default_due as full_due
    from review.routing.operations import propose_for_submission

    sub = intake["submit"]("minor")
    accept(intake["office"], sub)
    db.session.commit()
    assert sub.panel_size == 1 and default_due(sub) < full_due()
    proposal = propose_for_submission(sub)
    assert len(proposal.panel) == 1
    ids = [e.expert_id for e in intake["experts"]]
    with pytest.raises(ReviewError) as info:
        rops.assign_experts(intake["office"], sub, ids[:2], default_due(sub))
    assert info.value.code == "simple_lane_one_expert"
    db.session.rollback()
    [a] = rops.assign_experts(intake["office"], sub, [proposal.panel[0].expert.id], default_due(sub))
    db.session.commit()
    assert sub.status is Status.under_review
    other = next(i for i in ids if i != a.expert_id)
    with pytest.raises(ReviewError) as info:
        rops.assign_experts(intake["office"], sub, [other], default_due(sub))
    assert info.value.code == "simple_lane_one_expert"
    db.session.rollback()
    new = rops.replace_expert(intake["office"], a, other)  # the seat changes hands: still one expert
    db.session.commit()
    assert [s.expert_id for s in sub.round_assignments() if s.status.is_open] == [new.expert_id]


def test_simple_lane_due_days_are_configurable(app, intake):
    from review.calendar import add_working_days, app_calendar, local_today
    from review.lanes import accept, default_due

    app.config["SIMPLE_DUE_DAYS"] = 3
    sub = intake["submit"]("minor")
    accept(intake["office"], sub)
    holidays, extra = app_calendar(app.config)
    assert default_due(sub) == add_working_days(local_today(), 3, holidays, extra)


def test_filing_lane_concludes_without_experts(app, intake):
    from review.lanes import accept, confirm_filing
    from review.reviews import operations as rops
    from review.reviews.common import ReviewError

    sub = intake["submit"]("none")
    accept(intake["office"], sub)
    db.session.commit()
    with pytest.raises(ReviewError) as info:
        rops.assign_experts(intake["office"], sub, [intake["experts"][0].expert_id], date.today() + timedelta(days=9))
    assert info.value.code == "filing_no_experts"
    db.session.rollback()
    with pytest.raises(TransitionError) as info:
        confirm_filing(intake["office"], sub, " ")
    assert info.value.code == "reason_required" and sub.conclusion is None
    db.session.rollback()
    with pytest.raises(TransitionError):
        confirm_filing(intake["dept"], sub, "理由")
    db.session.rollback()
    decision = confirm_filing(intake["office"], sub, "方案为内部工作安排，不涉及健康决定因素")
    db.session.commit()
    assert (sub.status, sub.conclusion, sub.assignments) == (Status.concluded, Conclusion.approve, [])
    assert decision.reason == "方案为内部工作安排，不涉及健康决定因素" and decision.proposed is None
    [event] = _events(sub, "confirm_filing")
    assert event.data["expert_review"] is False and event.to_state == "concluded"


def test_a_filing_sheet_states_the_procedure_and_no_expert_review(app, intake):
    from review.lanes import accept, confirm_filing
    from review.sheets.content import SheetView
    from review.sheets.operations import build_facts
    from review.sheets.wording import sheet_wording

    sub = intake["submit"]("none")
    accept(intake["office"], sub)
    decision = confirm_filing(intake["office"], sub, "不涉及健康决定因素")
    db.session.commit()
    facts = build_facts(decision, [], date.today())
    view = SheetView(dict(facts, serial="健审〔2026〕第1号"), sheet_wording())
    assert (facts["procedure"], facts["procedure_label"]) == ("filing", "备案确认")
    assert ("审查程序", "备案确认") in view.basic_rows()
    assert "审查程序：备案确认。" in view.basic_text() and "未组织专家审查" in view.basic_text()
    assert "组织专家审查，现提出" not in view.opening()


def test_a_panel_sheet_states_its_procedure(app, loop):
    """The loop's draft (重大) went through 一般程序: the sheet says so."""
    from review.reviews import operations as rops
    from review.sheets.content import SheetView
    from review.sheets.operations import build_facts
    from review.sheets.wording import sheet_wording

    sub = loop["sub"]
    assert sub.lane is Lane.general
    users = {u.expert_id: u for u in loop["experts"]}
    for a in sub.round_assignments():
        rops.save_opinion(users[a.expert_id], a, {"recommendation": "approve", "summary": "同意"}, submit=True)
    decision = rops.decide(loop["office"], sub, "approve")
    db.session.commit()
    facts = build_facts(decision, [], date.today())
    view = SheetView(dict(facts, serial="健审〔2026〕第1号"), sheet_wording())
    assert "审查程序：一般程序。" in view.basic_text() and ("审查程序", "一般程序") in view.basic_rows()


def test_intake_page_shows_level_reasons_and_the_choice(app, client, intake, make):
    sub = intake["submit"]("minor")
    client.post("/login", data={"username": "office", "password": make.PASSWORD})
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="impact-level"' in page and 'id="screening-reasons"' in page
    assert 'value="simple" checked' in page and 'name="lane_reason"' in page
    r = client.post(f"/office/submissions/{sub.id}/accept", data={"lane": "filing", "lane_reason": ""})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).status is Status.submitted  # refused: no reason given
    page = client.get(f"/office/submissions/{sub.id}").get_data(as_text=True)
    assert "give your reason" in page or "请说明理由" in page
    client.post(f"/office/submissions/{sub.id}/accept", data={"lane": "filing", "lane_reason": "仅涉及内部流程"})
    client.post(f"/office/submissions/{sub.id}/confirm-filing", data={"reason": "仅涉及内部流程"})
    db.session.expire_all()
    done = db.session.get(type(sub), sub.id)
    assert (done.status, done.lane) == (Status.concluded, Lane.filing)


def test_api_accepts_in_a_lane_and_shows_it(app, intake):
    from review.accounts.operations import create_token

    sub = intake["submit"]("major")
    headers = {"Authorization": f"Bearer {create_token('office')}"}
    db.session.commit()
    client = app.test_client()

    def call(method, path, **kw):
        with app.app_context():  # each request its own context, as in production
            return client.open(path, method=method, headers=headers, **kw)

    r = call("POST", f"/api/v1/submissions/{sub.id}/accept", json={"lane": "simple"})
    assert r.status_code == 400 and r.get_json()["error"] == "lane_reason_required"
    r = call("POST", f"/api/v1/submissions/{sub.id}/accept", json={"lane": 3, "reason": "x"})
    assert r.status_code == 400 and r.get_json()["error"] == "bad_lane"
    r = call("POST", f"/api/v1/submissions/{sub.id}/accept", json={"lane": "simple", "reason": "条款少"})
    assert r.status_code == 200 and r.get_json()["lane"] == "simple"
    assert call("GET", f"/api/v1/submissions/{sub.id}").get_json()["lane"] == "simple"


def test_api_files_without_experts(app, intake):
    from review.accounts.operations import create_token

    sub = intake["submit"]("none")
    headers = {"Authorization": f"Bearer {create_token('office')}"}
    db.session.commit()
    client = app.test_client()

    def post(path, body):
        with app.app_context():
            return client.post(path, json=body, headers=headers)

    assert post(f"/api/v1/submissions/{sub.id}/accept", {}).get_json()["lane"] == "filing"  # the suggestion
    r = post(f"/api/v1/submissions/{sub.id}/confirm-filing", {"reason": ""})
    assert r.status_code == 400 and r.get_json()["error"] == "reason_required"
    r = post(f"/api/v1/submissions/{sub.id}/confirm-filing", {"reason": "不涉及健康决定因素"})
    assert r.status_code == 200 and r.get_json()["status"] == "concluded" and r.get_json()["conclusion"] == "approve"


def test_two_office_users_confirming_a_filing_at_once(app, intake, make):
    """One decision; the second office user gets 409 already_decided, not a 500 on the round's key."""
    from review.accounts.operations import create_token
    from review.reviews.models import Decision
    from tests.concurrency import run_at_once

    sub = intake["submit"]("none")
    make.user("office", username="office-two", email="office2@example.cn")
    tokens = [create_token("office"), create_token("office-two")]
    db.session.commit()
    client = app.test_client()
    assert client.post(f"/api/v1/submissions/{sub.id}/accept", json={},
                       headers={"Authorization": f"Bearer {tokens[0]}"}).status_code == 200

    def attempt(token, barrier):
        barrier.wait()
        r = app.test_client().post(f"/api/v1/submissions/{sub.id}/confirm-filing", json={"reason": "不涉及健康决定因素"},
                                   headers={"Authorization": f"Bearer {token}"})
        return r.status_code, r.get_json()

    results, errors = run_at_once(app, attempt, tokens)
    assert not errors, errors
    assert sorted(status for status, _ in results) == [200, 409], results
    assert next(body for status, body in results if status == 409)["error"] == "already_decided"
    assert db.session.scalar(db.select(db.func.count(Decision.id)).where(Decision.submission_id == sub.id)) == 1


def test_simple_lane_keeps_its_shorter_deadline_through_the_api_and_the_batch(app, intake):
    """Every way of inviting without naming a date gives 简易程序 its own deadline, not the full one."""
    from review.accounts.operations import create_token
    from review.jobs.models import Job
    from review.lanes import accept, default_due
    from review.reviews.batch import run_batch, start_batch
    from review.routing.operations import default_due as full_due

    by_api, by_batch, general = (intake["submit"](level) for level in ("minor", "minor", "major"))
    for sub in (by_api, by_batch, general):
        accept(intake["office"], sub)
    token = create_token("office")
    db.session.commit()
    ids = [e.expert_id for e in intake["experts"]]
    r = app.test_client().post(f"/api/v1/submissions/{by_api.id}/assignments", json={"expert_ids": ids[:1]},
                               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["assignments"][0]["due"] == default_due(by_api).isoformat()
    later = full_due() + timedelta(days=7)  # the office's date for the whole batch
    job = start_batch(intake["office"], {by_batch.id: ids[1:2], general.id: ids[:3]}, later)
    db.session.commit()
    job = db.session.get(Job, job.id)
    if job.status.value != "done":  # the immediate queue of the tests has already run it
        run_batch(job, lambda *a, **k: None)
        db.session.commit()
    [seat] = by_batch.round_assignments()
    assert seat.due == default_due(by_batch) < full_due()
    assert {a.due for a in general.round_assignments()} == {later}  # the general lane keeps the office's date


def test_simple_lane_round_two_reinvites_with_the_shorter_deadline(app, intake):
    from review.lanes import accept, default_due
    from review.reviews import operations as rops
    from review.routing.operations import default_due as full_due
    from review.submissions import operations as sops
    from tests.docs import REVISED_LINES

    sub = intake["submit"]("minor")
    accept(intake["office"], sub)
    expert = intake["experts"][0]
    [a] = rops.assign_experts(intake["office"], sub, [expert.expert_id], default_due(sub))
    rops.respond(expert, a, "accept")
    clause = next(c for c in sub.current_version.clauses if "食堂" in c.text)
    rops.save_opinion(expert, a, {"recommendation": "modify", "summary": "需修改",
                                  "comments": [{"clause": clause.key, "text": "应明确含糖饮料的限制"}]}, submit=True)
    rops.decide(intake["office"], sub, "modify")
    db.session.commit()
    responses = {c.id: {"response": "adopted"} for c in sops.opinion_items(sub, 1)}
    staged = sops.stage_revision(intake["dept"], sub, draft=fs(docx_bytes(REVISED_LINES), "修改稿.docx"),
                                 responses=responses)
    sops.confirm_revision(intake["dept"], sub, staged)
    db.session.commit()
    [seat] = sub.round_assignments()
    assert seat.round == 2 and seat.due == default_due(sub) < full_due()


def test_batch_page_says_when_a_simple_lane_draft_keeps_its_shorter_deadline(app, client, auth, intake):
    from review.lanes import accept, default_due

    simple, general = intake["submit"]("minor"), intake["submit"]("major")
    accept(intake["office"], simple)
    accept(intake["office"], general)
    db.session.commit()
    auth.login("office")
    page = client.get("/office/batch").get_data(as_text=True)
    assert page.count("简易程序：专家意见截止日期为") == 1
    assert f"简易程序：专家意见截止日期为{default_due(simple).isoformat()}" in page
