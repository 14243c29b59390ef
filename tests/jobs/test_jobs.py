"""Background jobs: uploads are read by a worker, pages show the progress, failures say why and
can be retried, and a job whose worker died is taken up again (or ends as failed)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from review import create_app
from review.extensions import db
from review.jobs import JobFailure, enqueue, job_handler
from review.jobs.models import Job, JobStatus
from review.jobs.operations import reap
from review.jobs.queue import queue_for
from review.models_base import utcnow
from tests.docs import LETTER, docx_bytes

LINES = ["测试市控制吸烟条例", "第一条 为了减少吸烟造成的危害，保障公众健康，制定本条例。",
         "第二条 本市行政区域内公共场所、工作场所全面禁止吸烟。"]
calls: list[str] = []


@job_handler("test.flaky")
def _flaky(job, progress):
    calls.append(job.payload["how"])
    if job.payload["how"] == "refuse":
        raise JobFailure("draft_parsing")
    if job.payload["how"] == "crash":
        raise RuntimeError("boom")
    for i in range(3):
        progress(i + 1, 3, note=f"step {i + 1}")
    return {"ok": True}


@pytest.fixture
def queued_app(tmp_path, monkeypatch):
    """An app whose jobs go to a SQLite queue; the test plays the worker (``drain``)."""
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "JOB_QUEUE": "sqlite"})
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


def drain(app) -> int:
    """What a worker does: take each queued task and run it."""
    huey, n = queue_for(app).huey, 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        n += 1
    return n


def _upload(client):
    return client.post("/submissions/new", data={
        "title": "测试市控制吸烟条例", "policy_type": "normative", "stage": "drafting",
        "letter": (io.BytesIO(LETTER), "公函.txt"), "draft": (io.BytesIO(docx_bytes(LINES)), "条例.docx")},
        content_type="multipart/form-data")


def test_an_upload_is_read_by_the_worker_and_the_preview_shows_progress_until_then(queued_app, make):
    from tests.conftest import Auth

    make.user("department", username="edu", department="教育局")
    client = queued_app.test_client()
    Auth(client).login("edu")
    response = _upload(client)
    assert response.status_code == 302  # the request did not wait for the parse
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-job-poll" in preview and "<progress" in preview
    assert re.search(r'name="action" value="confirm" type="submit" disabled', preview)
    job = db.session.scalar(db.select(Job))
    assert (job.kind, job.status) == ("parse_draft", JobStatus.queued)
    state = client.get(f"/jobs/{job.id}.json").get_json()
    assert state["status"] == "queued" and state["percent"] == 0

    assert drain(queued_app) == 1
    db.session.expire_all()
    assert db.session.get(Job, job.id).status is JobStatus.done
    assert client.get(f"/jobs/{job.id}.json").get_json()["status"] == "done"
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-job-poll" not in preview
    assert "第二条" in preview  # the parsed clauses are shown
    confirmed = client.post(response.headers["Location"], data={"action": "confirm"})
    assert confirmed.status_code == 302 and "/submissions/" in confirmed.headers["Location"]


def test_another_user_cannot_see_the_job(queued_app, make):
    from tests.conftest import Auth

    make.user("department", username="edu", department="教育局")
    make.user("department", username="env", department="生态环境局")
    client = queued_app.test_client()
    Auth(client).login("edu")
    _upload(client)
    job = db.session.scalar(db.select(Job))
    other = queued_app.test_client()
    Auth(other).login("env")
    assert other.get(f"/jobs/{job.id}.json").status_code == 404
    assert other.post(f"/jobs/{job.id}/retry").status_code == 404


def test_a_refused_job_says_why_and_can_be_retried(queued_app, make):
    from tests.conftest import Auth

    user = make.user("department", username="edu", department="教育局")
    job = enqueue("test.flaky", {"how": "refuse"}, owner=user)
    db.session.commit()
    drain(queued_app)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.failed and job.error_code == "draft_parsing" and job.attempts == 1
    client = queued_app.test_client()
    Auth(client).login("edu")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "草稿仍在读取中" in page and "重试" in page  # the reason in the user's language, and the button
    job.payload = {"how": "fine"}
    db.session.commit()
    assert client.post(f"/jobs/{job.id}/retry").status_code == 302
    drain(queued_app)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.done and job.result == {"ok": True} and (job.done, job.total) == (3, 3)


def test_an_unexpected_error_is_retried_then_fails(queued_app, make):
    calls.clear()
    job = enqueue("test.flaky", {"how": "crash"}, max_attempts=2)
    db.session.commit()
    drain(queued_app)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert calls == ["crash", "crash"]
    assert (job.status, job.error_code, job.attempts) == (JobStatus.failed, "job_error", 2)


def test_a_rolled_back_request_leaves_no_job(queued_app):
    enqueue("test.flaky", {"how": "fine"})
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
    assert drain(queued_app) == 0


def test_jobs_of_a_dead_worker_are_requeued_then_failed(queued_app):
    """A worker killed mid-job leaves it running with an old heartbeat: the reaper (every worker
    runs it each minute and at start) queues it again while it has attempts left."""
    calls.clear()
    stale = utcnow() - timedelta(seconds=queued_app.config["JOB_STALE_SECONDS"] + 5)
    alive = Job(kind="test.flaky", payload={"how": "fine"}, status=JobStatus.running, attempts=1,
                lease="x", heartbeat_at=utcnow())
    dead = Job(kind="test.flaky", payload={"how": "fine"}, status=JobStatus.running, attempts=1,
               lease="y", heartbeat_at=stale)
    spent = Job(kind="test.flaky", payload={"how": "fine"}, status=JobStatus.running, attempts=3,
                max_attempts=3, lease="z", heartbeat_at=stale)
    db.session.add_all([alive, dead, spent])
    db.session.commit()
    outcome = reap(queued_app)
    assert outcome == {"requeued": [dead.id], "failed": [spent.id], "resent": []}
    assert reap(queued_app) == {"requeued": [], "failed": [], "resent": []}  # a second reaper finds nothing
    drain(queued_app)
    db.session.expire_all()
    assert db.session.get(Job, dead.id).status is JobStatus.done and calls == ["fine"]
    assert db.session.get(Job, spent.id).error_code == "worker_died"
    assert db.session.get(Job, alive.id).status is JobStatus.running


def test_a_queued_job_whose_message_was_lost_is_sent_again(queued_app):
    """A node killed between its commit and the send (or a worker killed after taking the message,
    before starting the job) leaves a queued job no worker will see: the reaper sends it again
    once it is JOB_STALE_SECONDS past due, and not before."""
    calls.clear()
    late = utcnow() - timedelta(seconds=queued_app.config["JOB_STALE_SECONDS"] + 5)
    lost = Job(kind="test.flaky", payload={"how": "fine"}, status=JobStatus.queued, due_at=late)
    fresh = Job(kind="test.flaky", payload={"how": "fine"}, status=JobStatus.queued, due_at=utcnow())
    later = Job(kind="test.flaky", payload={"how": "fine"}, status=JobStatus.queued,  # a retry's delay
                due_at=utcnow() + timedelta(seconds=300))
    db.session.add_all([lost, fresh, later])
    db.session.commit()  # written straight into the table: no message was sent for any of them
    assert drain(queued_app) == 0
    assert reap(queued_app) == {"requeued": [], "failed": [], "resent": [lost.id]}
    assert reap(queued_app)["resent"] == []  # due again from now: not sent twice in a row
    assert drain(queued_app) == 1
    db.session.expire_all()
    assert db.session.get(Job, lost.id).status is JobStatus.done and calls == ["fine"]
    assert db.session.get(Job, fresh.id).status is JobStatus.queued


def test_a_job_sent_twice_runs_once(queued_app):
    """Two messages for one job (a slow message and the reaper's copy) run it once."""
    from review.jobs.operations import dispatch

    calls.clear()
    job = enqueue("test.flaky", {"how": "fine"})
    db.session.commit()
    dispatch(queued_app, job.id)
    assert drain(queued_app) == 2
    db.session.expire_all()
    assert calls == ["fine"] and db.session.get(Job, job.id).attempts == 1


def test_a_worker_presumed_dead_drops_its_work(queued_app):
    """If the reaper gave the job to another worker, the first one's late result is not written."""
    from review.jobs.operations import LeaseLost, Progress

    job = Job(kind="test.flaky", payload={}, status=JobStatus.running, lease="mine", attempts=1)
    db.session.add(job)
    db.session.commit()
    with db.engine.begin() as other:  # the reaper, on another connection
        other.execute(db.update(Job).where(Job.id == job.id).values(lease="theirs"))
    with pytest.raises(LeaseLost):
        Progress(job, "mine")(1, 2)
    db.session.expire_all()
    assert db.session.get(Job, job.id).done == 0


def test_api_upload_answers_202_with_the_job_then_the_job_gives_the_submission(queued_app, make):
    from review.accounts.operations import create_token

    make.user("department", username="edu", department="教育局")
    token = create_token("edu", "api")
    db.session.commit()
    client = queued_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/v1/submissions", headers=headers, content_type="multipart/form-data", data={
        "title": "测试市控制吸烟条例", "policy_type": "normative",
        "letter": (io.BytesIO(LETTER), "公函.txt"), "draft": (io.BytesIO(docx_bytes(LINES)), "条例.docx")})
    assert r.status_code == 202, r.get_json()
    status_url = r.get_json()["status_url"]
    assert client.get(status_url, headers=headers).get_json()["status"] == "queued"
    drain(queued_app)
    state = client.get(status_url, headers=headers).get_json()
    assert state["status"] == "done" and state["result"]["submission_id"]
    sub = client.get(f"/api/v1/submissions/{state['result']['submission_id']}", headers=headers).get_json()
    assert sub["status"] == "submitted"


def test_an_issued_sheet_is_drawn_by_a_job_and_its_page_waits_for_it(app, make):
    """Issuing in a request writes the signed row; a worker draws the files, records the issue with
    their hashes in the audit trail, and forgets the verification code it printed."""
    from review.audit.models import AuditEvent
    from review.jobs import queue
    from review.sheets import operations as ops
    from tests.conftest import Auth
    from tests.sheets.builders import Committee

    app.config["JOB_QUEUE"] = "sqlite"
    queue.init_app(app)  # this app's jobs now wait for a worker
    committee = Committee(make)
    decision = committee.decided("approve")
    db.session.commit()
    with app.test_request_context("/"):
        sheet, code = ops.issue_sheet(committee.office, decision)
        db.session.commit()
    assert code and not sheet.pdf_key
    job = db.session.scalar(db.select(Job).where(Job.kind == "render_sheet"))
    assert code not in str(job.payload)  # carried encrypted
    client = app.test_client()
    Auth(client).login(committee.office.username)
    page = client.get(f"/sheets/{sheet.serial}").get_data(as_text=True)
    assert "data-job-poll" in page and "/download/pdf" not in page
    early = client.get(f"/sheets/{sheet.serial}/download/pdf")  # an old link, before the files exist
    from urllib.parse import unquote

    assert early.status_code == 302 and unquote(early.headers["Location"]).endswith(f"/sheets/{sheet.serial}")
    from review.accounts.operations import create_token

    token = create_token(committee.office.username, "api")
    db.session.commit()
    api = client.get(f"/api/v1/sheets/{sheet.serial}/pdf", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 409 and api.get_json()["error"] == "sheet_rendering"

    drain(app)
    db.session.expire_all()
    sheet = db.session.get(type(sheet), sheet.id)
    assert sheet.pdf_key and ops.sheet_path(sheet.pdf_key).read_bytes().startswith(b"%PDF")
    job = db.session.get(Job, job.id)
    assert job.status is JobStatus.done and job.payload == {"sheet_id": sheet.id}
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "issue_sheet"))
    assert event.data["sheet"]["pdf_sha256"]
    page = client.get(f"/sheets/{sheet.serial}").get_data(as_text=True)
    assert "/download/pdf" in page and "data-job-poll" not in page
    assert ops.verify_record(sheet).valid


def test_the_precedent_index_is_built_by_a_job_and_shared_through_the_cache(queued_app):
    """A page never builds the index: it asks a worker once and meanwhile uses what is stored."""
    from review.routing import precedents

    precedents._indexes.clear()
    with queued_app.test_request_context("/"):
        signature, index = precedents.precedent_index()
        assert len(index) == 0 and signature == ("",)
        precedents.precedent_index()  # asked again while the job waits: still one job
    jobs = db.session.scalars(db.select(Job).where(Job.kind == "build_precedents")).all()
    assert len(jobs) == 1
    drain(queued_app)
    assert (precedents._store_dir() / "index.pickle").is_file()
    precedents._indexes.clear()  # another web process
    with queued_app.test_request_context("/"):
        signature, _index = precedents.precedent_index()
    assert signature == precedents._signature()
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 1
