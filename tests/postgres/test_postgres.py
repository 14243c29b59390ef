"""The same application on PostgreSQL, switched by REVIEW_DATABASE_URL alone."""
from __future__ import annotations

from datetime import date, timedelta

from review.extensions import db
from tests.concurrency import run_at_once


def test_migrations_create_the_models_schema_on_postgresql(pg_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    assert pg_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    with db.engine.connect() as conn:
        assert conn.dialect.name == "postgresql"
        from review.registry.models import include_name  # the full-text index is no model

        assert compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                db.metadata) == []


def test_review_loop_and_concurrent_opinions_on_postgresql(pg_app):
    """Demo data, a submission through the whole first round, opinions submitted at once."""
    import io

    from werkzeug.datastructures import FileStorage

    from review.accounts.models import User
    from review.audit.models import AuditEvent
    from review.reviews import operations as rops
    from review.routing.operations import propose_for_submission
    from review.submissions import operations as sops
    from review.submissions.models import Status, Submission
    from tests.docs import LETTER, docx_bytes

    runner = pg_app.test_cli_runner()
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    dept = db.session.scalar(db.select(User).where(User.username == "dept_edu"))
    office = db.session.scalar(db.select(User).where(User.username == "office"))
    staged = sops.stage_submission(dept, {"title": "校园健康促进行动实施方案", "policy_type": "normative"},
                                   draft=FileStorage(io.BytesIO(docx_bytes()), "方案.docx"),
                                   letter=FileStorage(io.BytesIO(LETTER), "公函.txt"))
    sub = sops.confirm_submission(dept, staged)
    sops.accept_submission(office, sub)
    panel = [m.expert.id for m in propose_for_submission(sub).panel]
    rops.assign_experts(office, sub, panel, date.today() + timedelta(days=10))
    db.session.commit()
    # Expert logins for the panel, then every expert submits at the same moment from its own thread.
    from review.accounts.operations import create_user
    from review.experts.models import Expert

    for n, expert_id in enumerate(panel):
        expert = db.session.get(Expert, expert_id)
        if expert.user is None:
            create_user(f"pg-expert-{n}", "expert", "tulip river 93a", expert_name=expert.name)
    db.session.commit()
    sub_id = sub.id
    assignment_ids = [a.id for a in sub.round_assignments()]

    def submit(assignment_id, barrier):
        a = db.session.get(rops.Assignment, assignment_id)
        user = a.expert.user
        barrier.wait(10)
        rops.save_opinion(user, a, {"recommendation": "approve", "summary": "同意"}, submit=True)
        db.session.commit()

    _, errors = run_at_once(pg_app, submit, assignment_ids, timeout=30)
    assert errors == []
    db.session.expire_all()
    sub = db.session.get(Submission, sub_id)
    assert sub.status is Status.deliberation
    assert len(rops.submitted_opinions(sub)) == len(assignment_ids)
    completes = db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.submission_id == sub_id, AuditEvent.action == "opinions_complete"))
    assert completes == 1
    rops.decide(office, sub, "approve")
    db.session.commit()
    assert sub.status is Status.concluded
