"""Volume benchmark: the main pages with a district's years of data, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_volume.py [--seconds 5] [--submissions 10000] [--experts 1000]
                                               [--events 50000] [--backends sqlite,postgresql]

For each backend, two instances: a near-empty one (20 submissions, 15 experts) and a loaded one
(10,000 submissions, 1,000 experts, 50,000 audit events by default), bulk-loaded by
review.demo.volume after `flask init-db`. PostgreSQL is a throw-away cluster on 127.0.0.1, started
and removed here. Each instance is served by gunicorn as `make run` serves it (gunicorn.conf.py) and
every page is driven by wrk with 1 and 20 keep-alive connections. Printed per page: SQL statements
per request (counted in process with a before_cursor_execute listener), p50/p95 at 1 and 20 users,
the loaded ÷ near-empty ratio of p95 at 20 users (goal <= 1.5; p95 goal 150 ms on SQLite, 200 ms on
PostgreSQL), and any full scan of a big table in the pages' query plans (explain_plans.py). Also:
how long the first routing proposal takes in a fresh worker, with and without stored tokens.
Only 127.0.0.1 is contacted; servers are stopped at the end, also on error.
"""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench_web import PASSWORD, logged_in
from explain_plans import capture, full_scans
from loadgen import cookie_header, drive_wrk, gunicorn_settings, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"
NEAR_EMPTY = {"submissions": 20, "experts": 15, "events": 20}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- a throw-away PostgreSQL (as tests/postgres/conftest.py starts one) ---------------------------


@dataclass
class Postgres:
    url: str
    base: str
    bindir: str

    def stop(self) -> None:
        subprocess.run(_as_postgres([f"{self.bindir}/pg_ctl", "-D", f"{self.base}/data", "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres() -> Postgres:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed (Debian package postgresql)")
    bindir = os.path.dirname(found[-1])
    base = tempfile.mkdtemp(prefix="hiap-bench-pg-")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", f"{base}/data", "-A", "trust", "-U", "postgres",
                                 "-E", "UTF8", "--no-locale"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", f"{base}/data", "-w", "-l", f"{base}/log", "-o",
                                 f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=200",
                                 "start"]), check=True, capture_output=True)
    pg = Postgres(f"postgresql://postgres@127.0.0.1:{port}/hiap", base, bindir)
    for db_name in ("hiap_empty", "hiap"):
        subprocess.run(_as_postgres([f"{bindir}/createdb", "-h", base, "-p", str(port), "-U", "postgres", db_name]),
                       check=True, capture_output=True)
    return pg


@dataclass
class Backend:
    name: str  # sqlite | postgresql
    url: str | None  # None: the instance's SQLite file


# -- one loaded instance ------------------------------------------------------------------------


class Site:
    def __init__(self, instance: Path, env: dict, app, volume, token: str):
        self.instance, self.env, self.app, self.volume, self.token = instance, env, app, volume, token
        self._clients: dict = {}
        v = volume
        expert, seat = sorted(v.seats.items())[0]
        peer, submitted = sorted(v.submitted_seats.items())[0]
        self.pages = {
            "board": ("vol-office", "/office/board"),
            "detail (proposal)": ("vol-office", f"/office/submissions/{v.accepted[0]}"),
            "detail (under review)": ("vol-office", f"/office/submissions/{v.under_review[0]}"),
            "queue p.1 by due": ("vol-office", "/office/?status=under_review&sort=due&dir=asc&page=1"),
            "queue middle page by due": ("vol-office", f"/office/?status=&sort=due&dir=asc&page={max(1, v.total // 40)}"),
            "expert list": ("vol-admin", "/admin/experts"),
            "sheet register": ("vol-justice", "/verify/register"),
            "review page": (expert, f"/reviews/{seat}"),
            "review page (peers)": (peer, f"/reviews/{submitted}"),
            "audit page": ("vol-office", f"/submissions/{v.concluded[0]}/audit"),
            "api list": ("vol-office", "/api/v1/submissions?per_page=20"),
        }

    def get(self, username: str, path: str):
        if path.startswith("/api/"):
            return self.app.test_client().get(path, headers={"Authorization": f"Bearer {self.token}"})
        if username not in self._clients:
            c = self.app.test_client()
            assert c.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
            self._clients[username] = c
        return self._clients[username].get(path)

    def statements(self, username: str, path: str) -> int:
        from review.extensions import db

        with self.app.app_context():
            engine = db.engine
        return len(capture(self.get, engine, username, path, self.app))

    def plans(self, username: str, path: str) -> list[str]:
        from review.extensions import db

        with self.app.app_context():
            engine = db.engine
            return full_scans(engine, capture(self.get, engine, username, path, self.app))


def _draft() -> dict:
    import bench_web
    from pipeline import run_bytes

    bench_web.N_CLAUSES = 20
    return run_bytes(bench_web.draft_text(), "办法.txt").to_dict()


def prepare_site(backend: Backend, size: dict, *, routing_timings: dict | None = None) -> Site:
    instance = Path(tempfile.mkdtemp(prefix="hiap-volume-"))
    env = {"REVIEW_INSTANCE_PATH": str(instance)}
    if backend.url:
        env["REVIEW_DATABASE_URL"] = backend.url
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=dict(os.environ, **env),
                   check=True, stdout=subprocess.DEVNULL)
    saved = {k: os.environ.get(k) for k in ("REVIEW_INSTANCE_PATH", "REVIEW_DATABASE_URL")}
    os.environ.update(env)
    if not backend.url:
        os.environ.pop("REVIEW_DATABASE_URL", None)
    try:
        from review import create_app
        from review.accounts.auth import hash_password
        from review.accounts.operations import create_token
        from review.demo.volume import load_volume
        from review.extensions import db

        app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "PAGE_CACHE_SIZE": 0})
        with app.app_context():
            t0 = time.perf_counter()
            volume = load_volume(_draft(), hash_password(PASSWORD), **size)
            token = create_token("vol-office")
            db.session.commit()
            if backend.name == "postgresql":  # what autovacuum would have done by now: statistics, visibility map
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"  [{backend.name}] loaded {size} in {time.perf_counter() - t0:.1f} s", flush=True)
            # What the job worker of `make run` does at its start: the precedent index built and
            # stored, so the served pages read it instead of asking for it.
            from review.routing.precedents import precedent_index

            t0 = time.perf_counter()
            precedent_index()
            print(f"  [{backend.name}] precedent index built in {time.perf_counter() - t0:.1f} s", flush=True)
            volume.total = size["submissions"]
            db.session.remove()
        if routing_timings is not None:
            routing_timings[backend.name] = time_routing(env, volume)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Site(instance, env, app, volume, token)


def time_routing(env: dict, volume) -> dict:
    """The first proposal in a fresh worker (a new process): before any expert's tokens were stored,
    then with them stored; in that process then, one more (pool unchanged) and one after a new
    submitted opinion (one expert's profile changes)."""
    import json

    out = {}
    for mode, subs in (("cold", volume.accepted[:1]), ("stored", volume.accepted[1:4])):
        run = subprocess.run([str(VENV_BIN / "python"), __file__, "--routing-child", mode, *map(str, subs)],
                             cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, timeout=600)
        if run.returncode:
            raise RuntimeError(run.stderr[-2000:])
        out.update(json.loads(run.stdout.strip().splitlines()[-1]))
    return out


def routing_child(mode: str, sub_ids: list[int]) -> None:
    import json
    from datetime import datetime, timezone

    from review import create_app
    from review.extensions import db
    from review.reviews.models import Assignment, AssignmentStatus, Opinion, OpinionStatus
    from review.routing import operations as ro
    from review.routing.models import ExpertTokens, StoredProposal
    from review.submissions.models import Conclusion, Submission

    app = create_app()
    with app.app_context():
        db.session.execute(db.delete(StoredProposal))
        if mode == "cold":
            db.session.execute(db.delete(ExpertTokens))
        db.session.commit()

        def timed(sub_id: int) -> float:
            t0 = time.perf_counter()
            ro.propose_for_submission(db.session.get(Submission, sub_id))
            db.session.commit()
            return round((time.perf_counter() - t0) * 1000)

        if mode == "cold":
            print(json.dumps({"fresh worker, no stored tokens": timed(sub_ids[0])}))
            return
        out = {"fresh worker, tokens stored": timed(sub_ids[0]), "same worker, pool unchanged": timed(sub_ids[1])}
        from review.demo.volume import USERS

        # Not a seat of an expert who logs in: the review page measured afterwards must stay open.
        seat = db.session.scalar(db.select(Assignment).where(
            Assignment.status.in_((AssignmentStatus.accepted, AssignmentStatus.invited)),
            Assignment.expert_id > USERS).order_by(Assignment.id))
        if seat is None:
            print(json.dumps(out))
            return
        seat.status = AssignmentStatus.submitted
        db.session.add(Opinion(assignment_id=seat.id, status=OpinionStatus.submitted, recommendation=Conclusion.modify,
                               summary="建议补充健康影响评估的公众参与程序", submitted_at=datetime.now(timezone.utc)))
        db.session.commit()
        out["same worker, after one more opinion"] = timed(sub_ids[2])
        print(json.dumps(out))


# -- HTTP ---------------------------------------------------------------------------------------


def serve_and_drive(site: Site, seconds: float, log: Path) -> dict[str, dict]:
    port = free_port()
    env = {k: v for k, v in site.env.items() if k != "REVIEW_INSTANCE_PATH"}
    server = start_gunicorn(site.instance, port, env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = {u: cookie_header(logged_in(base, u)) for u in {u for u, _ in site.pages.values()}}
        results = {}
        for page, (user, path) in site.pages.items():
            if path.startswith("/api/"):
                continue  # wrk here sends cookies only; the API's statements are counted above
            session = requests.Session()
            session.get(base + path, headers={"Cookie": cookies[user]}, timeout=300)  # a loaded machine
            # Every worker and thread warm (imports, templates, connections, the routing index):
            # one keep-alive session reaches one worker only (reuse_port), so 20 connections for
            # a second, not counted. The figures are then the steady state a user meets.
            drive_wrk(base, [(path, cookies[user])], 1, 20, threads=2)
            results[page] = {c: drive_wrk(base, [(path, cookies[user])], seconds, c, threads=min(2, c))
                             for c in (1, 20)}
        return results
    finally:
        stop_gunicorn(server)


def main() -> None:
    if sys.argv[1:2] == ["--routing-child"]:
        return routing_child(sys.argv[2], [int(x) for x in sys.argv[3:]])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--submissions", type=int, default=10000)
    ap.add_argument("--experts", type=int, default=1000)
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    loaded_size = {"submissions": args.submissions, "experts": args.experts, "events": args.events}
    print(f"gunicorn: {gunicorn_settings()}; wrk {args.seconds:g} s per page and concurrency; "
          f"loaded = {loaded_size}; near-empty = {NEAR_EMPTY}. Machine shared with other work: timings are noisy.")
    pg = start_postgres() if "postgresql" in args.backends else None
    table: dict = {}
    routing: dict = {}
    scans: dict = {}
    logdir = Path(tempfile.mkdtemp(prefix="hiap-volume-logs-"))
    try:
        for name in args.backends.split(","):
            for label, size in (("empty", NEAR_EMPTY), ("loaded", loaded_size)):
                url = None
                if name == "postgresql":
                    url = pg.url if label == "loaded" else pg.url.rsplit("/", 1)[0] + "/hiap_empty"
                site = prepare_site(Backend(name, url), size, routing_timings=routing if label == "loaded" else None)
                for page, (user, path) in site.pages.items():
                    table.setdefault(page, {})[(name, label, "stmts")] = site.statements(user, path)
                    if label == "loaded":
                        scans[(name, page)] = site.plans(user, path)
                for page, by_c in serve_and_drive(site, args.seconds, logdir / f"{name}-{label}.log").items():
                    for c, r in by_c.items():
                        table[page][(name, label, c)] = r
                shutil.rmtree(site.instance, ignore_errors=True)
    finally:
        if pg:
            pg.stop()
    report(table, routing, scans, args.backends.split(","))


def report(table: dict, routing: dict, scans: dict, backends: list[str]) -> None:
    goal = {"sqlite": 150, "postgresql": 200}
    print()
    head = f"{'page':<22}"
    for b in backends:
        head += f" | {b:<10} stmts  1u p50  1u p95  20u p50  20u p95  empty 20u p95  ratio"
    print(head)
    for page, cells in table.items():
        row = f"{page:<22}"
        for b in backends:
            st = f"{cells.get((b, 'empty', 'stmts'), '?')}/{cells.get((b, 'loaded', 'stmts'), '?')}"
            one, many, empty = (cells.get((b, "loaded", 1)), cells.get((b, "loaded", 20)), cells.get((b, "empty", 20)))
            if one is None or many is None or empty is None:
                row += f" | {'':<10} {st:>5}  {'(statements only)':>52}"
                continue
            ratio = many["p95"] / empty["p95"] if empty and empty["p95"] else float("nan")
            flag = "" if many["p95"] <= goal[b] and ratio <= 1.5 else " !"
            errors = "" if set(many["statuses"]) == {200} else f" {many['statuses']}"
            row += (f" | {'':<10} {st:>5} {one['p50']:7.1f} {one['p95']:7.1f} {many['p50']:8.1f} {many['p95']:8.1f}"
                    f" {empty['p95']:14.1f} {ratio:6.2f}{flag}{errors}")
        print(row)
    print("\n(stmts: near-empty/loaded; latencies in ms; ! = over the p95 goal "
          "(SQLite 150 ms, PostgreSQL 200 ms at 20 users) or ratio > 1.5)")
    print("\nFirst routing proposal (ms), loaded instance:")
    for b, t in routing.items():
        print(f"  {b:<10} " + "  ".join(f"{k}: {v:.0f}" for k, v in t.items()))
    print("\nQuery plans, loaded instance (full scans of big tables):")
    found = {k: v for k, v in scans.items() if v}
    if not found:
        print("  none")
    for (b, page), items in found.items():
        for s in items:
            print(f"  [{b}] {page}: {s}")


if __name__ == "__main__":
    main()
