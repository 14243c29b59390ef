"""The cost of the audit hash chain, and of `audit verify`, against raw baselines in the same run.

    .venv/bin/python benchmarks/bench_audit.py [--events 20000] [--per-commit 1]

In a temporary SQLite instance: appends N events through ``record_event`` (linked at each commit)
and the same number of plain rows inserted into the same table with one commit each (the raw
baseline), then times ``verify_all`` over the chain against a raw read of the same rows with one
SHA-256 each. Prints times and ratios. The machine may be shared: the ratios matter, not the times.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--per-commit", type=int, default=1, help="events per transaction")
    args = parser.parse_args()
    os.environ["REVIEW_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="hiap-bench-audit-")
    from sqlalchemy import insert, select

    from review import create_app
    from review.audit.models import AuditEvent
    from review.audit.operations import record_event
    from review.extensions import db
    from review.maintenance.integrity import verify_all
    from review.models_base import utcnow

    app = create_app({"TESTING": True})
    with app.app_context():
        db.create_all()
        n, per = args.events, args.per_commit
        t0 = time.perf_counter()
        for i in range(n // per):
            for k in range(per):
                db.session.execute(insert(AuditEvent.__table__).values(
                    action="note", from_state="", to_state="", reason=f"raw {i}-{k}", data={"i": i},
                    created_at=utcnow(), prev_hash="", chained="", hash=""))
            db.session.commit()
        raw_append = time.perf_counter() - t0
        db.session.execute(AuditEvent.__table__.delete())
        db.session.commit()

        t0 = time.perf_counter()
        for i in range(n // per):
            for k in range(per):
                record_event(None, None, "note", reason=f"chained {i}-{k}", data={"i": i})
            db.session.commit()
        chained_append = time.perf_counter() - t0

        t0 = time.perf_counter()
        for row in db.session.execute(select(AuditEvent.__table__).execution_options(yield_per=1000)):
            hashlib.sha256(f"{row.id}{row.reason}{row.data}{row.created_at}".encode()).hexdigest()
        raw_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = verify_all()
        verify = time.perf_counter() - t0
        assert report.ok and report.events == n, report.problems

    print(f"events: {n}, {per} per commit (SQLite, shared machine: timings are noisy)")
    print(f"append raw insert+commit   {raw_append:8.2f} s  {raw_append / n * 1e3:6.3f} ms/event")
    print(f"append through the chain   {chained_append:8.2f} s  {chained_append / n * 1e3:6.3f} ms/event  "
          f"ratio {chained_append / raw_append:5.2f}")
    print(f"raw read + sha256 per row  {raw_read:8.2f} s")
    print(f"audit verify (chain only)  {verify:8.2f} s  ratio {verify / raw_read:5.2f}")


if __name__ == "__main__":
    main()
