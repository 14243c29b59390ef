"""Query plans of the statements the main pages run: flags full scans of the big tables.

    .venv/bin/python benchmarks/explain_plans.py [--postgres] [--submissions 10000]

Loads a committee (review.demo.volume), captures every statement each page runs (with its
parameters) through the test client, and asks the database for its plan: ``EXPLAIN QUERY PLAN`` on
SQLite, ``EXPLAIN`` on PostgreSQL (after ANALYZE). A full scan of a table that grows with the
committee's history is printed as FULL SCAN; bench_volume.py prints the same check for its run.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Tables that grow with the years; a scan of the others (departments, settings) is harmless.
BIG = {"submission", "submission_version", "stored_file", "clause", "assignment", "opinion", "clause_comment",
       "decision", "opinion_sheet", "legality_intake", "audit_event", "notification", "routing_proposal"}


def capture(site_get, engine, username: str, path: str, app=None) -> list[tuple[str, object]]:
    """(statement, parameters) of one request, after a first request that warms what is stored;
    the review page's rendered-body cache of ``app`` is emptied in between (a miss is counted)."""
    from sqlalchemy import event

    site_get(username, path)
    if app is not None:
        app.extensions.pop("review_render", None)
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        site_get(username, path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


# A scan of a table this small is what a planner should choose; only larger ones are flagged.
MIN_ROWS = 1000


def full_scans(engine, statements: list[tuple[str, object]]) -> list[str]:
    """The big tables each statement reads without an index, as 'table: statement start'.
    Counts over a whole list (a pager's total, the queue's tallies) are marked as such."""
    found = []
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        sizes = {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() for t in BIG}
        for statement, params in statements:
            head = statement.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "WITH"):
                continue
            if postgres:
                plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params))
                tables = re.findall(r"Seq Scan on (\w+)", plan)
            else:
                plan = "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
                # "SCAN t" without "USING (COVERING) INDEX" reads every row of t.
                tables = [m.group(1) for m in re.finditer(r"\bSCAN (\w+)(?! USING)", plan)]
            flat = " ".join(statement.split())
            kind = "count" if re.match(r"SELECT (count\(|\w+\.status, count\()", flat) else "FULL SCAN"
            if re.search(r"ORDER BY \w+\.id( DESC)? LIMIT", flat) and "TEMP B-TREE" not in plan:
                kind = "pk order"  # read in primary-key order, stops at the page's end
            for table in dict.fromkeys(tables):
                if table in BIG and sizes[table] >= MIN_ROWS:
                    found.append(f"{kind} {table} ({sizes[table]} rows): {flat[:140]}")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postgres", action="store_true", help="also on a throw-away PostgreSQL server")
    ap.add_argument("--submissions", type=int, default=10000)
    ap.add_argument("--experts", type=int, default=1000)
    ap.add_argument("--events", type=int, default=50000)
    args = ap.parse_args()
    from bench_volume import Backend, prepare_site, start_postgres

    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    bad = 0
    for name in backends:
        pg = start_postgres() if name == "postgresql" else None
        try:
            site = prepare_site(Backend(name, pg.url if pg else None),
                                dict(submissions=args.submissions, experts=args.experts, events=args.events))
            for page, (user, path) in site.pages.items():
                scans = site.plans(user, path)
                bad += sum(1 for s in scans if s.startswith("FULL SCAN"))
                print(f"[{name}] {page:<24} {'ok' if not scans else 'scans'}")
                for s in scans:
                    print(f"      {s}")
        finally:
            if pg:
                pg.stop()
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
