"""Statistics at volume: the statistics page, GET /api/v1/stats and the list exports, in process.

    .venv/bin/python benchmarks/bench_stats.py [--submissions 5000] [--entries 10000] [--repeat 15]

Bulk-loads review.demo.volume (submissions with their seats, opinions, decisions and sheets), then
the audit events the statistics read (accept, start_review, opinions_complete, revise for every
round that got that far) and registry entries (one per submission, the rest from an inventory).
Each URL is requested ``repeat`` times, with the figures' cache off (computed every time) and on through the Flask test client, one at a time; printed: SQL
statements per request, p50/p95, and the ratio to a raw baseline measured in the same run: the
same SQL statements the request ran, replayed straight on the DBAPI connection (so the ratio is
what Python, the working-day counts and the template add to the database's own work).
The goal on gunicorn at 20 users (benchmarks/bench_registry.py) is p95 <= 300 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench password 42"


def load(app, submissions: int, entries: int) -> None:
    from pipeline import run_bytes
    from review.accounts.auth import hash_password
    from review.audit.models import AuditEvent
    from review.demo.volume import load_volume
    from review.extensions import db
    from review.registry.models import EntryOrigin, RegistryEntry
    from review.submissions.models import Status, Submission
    from tests.docs import docx_bytes

    parsed = run_bytes(docx_bytes(), "方案.docx").to_dict()
    load_volume(parsed, hash_password(PASSWORD), submissions=submissions, experts=max(60, submissions // 20),
                events=submissions * 2)
    base = db.session.scalar(db.select(db.func.max(AuditEvent.id))) or 0
    rows, reached = [], {Status.accepted: 1, Status.under_review: 2, Status.deliberation: 3, Status.concluded: 3}
    for sid, status, created in db.session.execute(db.select(Submission.id, Submission.status, Submission.created_at)):
        steps = [("accept", 2), ("start_review", 3), ("opinions_complete", 12)][:reached.get(status, 0)]
        for action, days in steps:
            base += 1
            rows.append({"id": base, "submission_id": sid, "actor_id": 1, "action": action, "from_state": "",
                         "to_state": "", "reason": "", "round": 1, "data": None, "prev_hash": "", "chained": "",
                         "hash": "", "created_at": created + timedelta(days=days)})
    for start in range(0, len(rows), 5000):
        db.session.execute(AuditEvent.__table__.insert(), rows[start:start + 5000])
    subs = db.session.execute(db.select(Submission.id, Submission.department_id, Submission.created_at)).all()
    entry_rows = []
    for n in range(entries):
        sid, dept, created = subs[n % len(subs)]
        entry_rows.append({"id": n + 1, "title": f"政策{n}", "department_id": dept,
                           "origin": EntryOrigin.submission if n < len(subs) else EntryOrigin.inventory,
                           "status": "drafting", "year": created.year, "impact_level": ("none", "minor", "major")[n % 3],
                           "yes_count": n % 11, "answers": [], "doc_number": "", "status_note": "",
                           "source_filename": "", "source_sha256": "", "source_format": "", "parse_status": "",
                           "parse_errors": [], "created_at": created, "updated_at": created})
    for start in range(0, len(entry_rows), 5000):
        db.session.execute(RegistryEntry.__table__.insert(), entry_rows[start:start + 5000])
    db.session.execute(Submission.__table__.update().where(Submission.id <= min(entries, len(subs)))
                       .values(registry_entry_id=Submission.id))
    db.session.commit()


def measure(app, client, path: str, headers: dict, repeat: int) -> dict:
    from review.extensions import db

    with app.app_context():
        engine = db.engine
    captured: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    assert client.get(path, headers=headers).status_code == 200, path  # warm: imports, caches
    times = []
    for _ in range(repeat):
        captured.clear()
        event.listen(engine, "before_cursor_execute", record)
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append(time.perf_counter() - t0)
        event.remove(engine, "before_cursor_execute", record)
        assert r.status_code == 200, (path, r.status_code)
    statements = list(captured)
    raw = []
    conn = engine.raw_connection()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            cur = conn.cursor()
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall() if cur.description else None
            raw.append(time.perf_counter() - t0)
    finally:
        conn.close()
    q = statistics.quantiles(times, n=20)
    return {"statements": len(statements), "p50": statistics.median(times), "p95": q[-1],
            "raw": statistics.median(raw)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    os.environ["REVIEW_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="bench-stats-")
    from review import create_app
    from review.accounts.operations import create_token
    from review.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    t0 = time.perf_counter()
    with app.app_context():
        db.create_all()
        load(app, args.submissions, args.entries)
        token = create_token("vol-office")
        db.session.commit()
    print(f"loaded {args.submissions} submissions, {args.entries} registry entries in "
          f"{time.perf_counter() - t0:.1f} s")
    client = app.test_client()
    r = client.post("/login", data={"username": "vol-office", "password": PASSWORD})
    assert r.status_code == 302
    year = date.today().year
    api = {"Authorization": f"Bearer {token}"}
    urls = [("statistics page, all years", "/stats/?year=", {}), (f"statistics page, {year}", f"/stats/?year={year}", {}),
            ("statistics page, one department", "/stats/?department=1", {}),
            ("GET /api/v1/stats", "/api/v1/stats", api), (f"GET /api/v1/stats?year={year}", f"/api/v1/stats?year={year}", api),
            ("queue export (all)", "/office/queue.xlsx?sort=created&dir=desc", {}),
            ("register export (all)", "/verify/register.xlsx", {})]
    print(f"{'request':46} {'SQL':>4} {'p50 ms':>8} {'p95 ms':>8} {'raw SQL ms':>10} {'ratio p50/raw':>13}")
    for cache_size, mode in ((0, "computed"), (512, "cached")):
        app.config["PAGE_CACHE_SIZE"] = cache_size  # the figures' cache (review/stats/cache.py)
        for name, path, headers in urls:
            if mode == "cached" and "export" in name:
                continue
            m = measure(app, client, path, headers, args.repeat)
            label = f"{name} ({mode})" if "export" not in name else name
            print(f"{label:46} {m['statements']:>4} {m['p50'] * 1000:>8.1f} {m['p95'] * 1000:>8.1f} "
                  f"{m['raw'] * 1000:>10.1f} {m['p50'] / m['raw'] if m['raw'] else float('nan'):>13.1f}")
    print("(sequential requests in one process; the machine is shared, timings are noisy)")


if __name__ == "__main__":
    main()
