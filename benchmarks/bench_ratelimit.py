"""Cost of one rate-limit hit in the shared database:// storage, beside two baselines measured in
the same run: the per-process memory:// storage, and the same upsert through the raw sqlite3
module (WAL, synchronous=NORMAL) with no SQLAlchemy or Flask around it.

    .venv/bin/python benchmarks/bench_ratelimit.py [--hits 2000] [--database-url URL]

Each hit is what a limited request (login, verify) adds: one atomic upsert in its own transaction
(SQLite file in WAL mode by default, as `make run` uses). Prints hits/s and microseconds per hit
for both storages and their ratio.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(storage, hits: int, ctx) -> float:
    with ctx():
        start = time.perf_counter()
        for i in range(hits):
            storage.incr(f"LIMITER/bench/{i % 50}", 60)
        return time.perf_counter() - start


def raw_sqlite(path: str, hits: int) -> float:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE raw (key TEXT PRIMARY KEY, count INTEGER, expires_at REAL)")
    start = time.perf_counter()
    for i in range(hits):
        now = time.time()
        conn.execute("INSERT INTO raw VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN "
                     "expires_at <= ? THEN 1 ELSE count + 1 END RETURNING count",
                     (f"LIMITER/bench/{i % 50}", now + 60, now)).fetchone()
        conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REVIEW_INSTANCE_PATH"] = tmp
        if args.database_url:
            os.environ["REVIEW_DATABASE_URL"] = args.database_url
        from limits.storage import MemoryStorage

        from review import create_app
        from review.extensions import db
        from review.ratelimit import DatabaseStorage

        app = create_app({"RATELIMIT_ENABLED": False})
        with app.app_context():
            db.create_all()
        memory = run(MemoryStorage(), args.hits, app.app_context)
        database = run(DatabaseStorage("database://"), args.hits, app.app_context)
        raw = raw_sqlite(str(Path(tmp) / "raw.sqlite3"), args.hits)
        with app.app_context():
            print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}, {args.hits} hits")
            db.drop_all()
    for name, seconds in (("memory:// (per process, baseline)", memory), ("raw sqlite3 upsert (baseline)", raw),
                          ("database://", database)):
        print(f"{name:36} {args.hits / seconds:10.0f} hits/s  {seconds / args.hits * 1e6:8.1f} us/hit")
    print(f"ratio database:// / raw sqlite3: x{database / raw:.1f}; database:// / memory://: x{database / memory:.0f}")


if __name__ == "__main__":
    main()
