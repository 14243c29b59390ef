"""Two worker processes appending to the audit trail of one SQLite instance at once."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from review.audit.models import AuditEvent
from review.extensions import db

ROOT = Path(__file__).resolve().parents[2]
WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from review import create_app
    from review.audit.operations import record_event
    from review.extensions import db

    go, name = Path(sys.argv[1]), sys.argv[2]
    app = create_app({"TESTING": True})
    with app.app_context():
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.01)
        for k in range(15):
            record_event(None, None, "note", reason=f"{name}-{k}")
            db.session.commit()
""")


@pytest.mark.slow
def test_two_processes_append_one_chain(app, issued, tmp_path):
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(go), f"w{n}"], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True) for n in range(2)]
    try:
        for w in workers:
            assert w.stdout.readline().strip() == "ready"
        go.touch()
        for w in workers:
            assert w.wait(120) == 0
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    db.session.expire_all()
    seqs = list(db.session.scalars(db.select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert seqs == list(range(1, before + 31))
    reasons = [r for r in db.session.scalars(db.select(AuditEvent.reason).order_by(AuditEvent.seq)) if "-" in r]
    assert {r.split("-")[0] for r in reasons} == {"w0", "w1"}
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
