"""Verification throughput on gunicorn: GET /api/v1/sheets/<serial>?code=<code>.

    .venv/bin/python benchmarks/bench_verify.py [--seconds 10] [--clients 16] [--workers N] [--threads N]
                                                [--client auto|wrk|requests] [--procs 4]

Prepares a temporary instance (init-db, a decided submission and its issued sheet, through the
app's own operations), serves it with gunicorn as `make run` does (gunicorn.conf.py) on 127.0.0.1 with the
verification rate limit raised out of the way, and drives it with concurrent clients for a bounded
time: wrk when the Debian package is installed (it costs the shared CPUs little), else client
processes each with threads holding one requests.Session (--client requests). Prints requests/s,
p50/p95 latency and the ratio to raw baselines measured in the same run on the same server: the
static file /static/app.css and the trivial app endpoint /verify/public-key.pem. Goal: >= 500 req/s.
Only 127.0.0.1 is contacted; the server is stopped at the end, also on error.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from loadgen import drive_wrk as loadgen_wrk, gunicorn_settings, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"
GOAL = 500.0
DRAFT = ["关于开展校园健康促进行动的实施方案", "一、重点任务",
         "（一）加强学校食堂食品安全管理，减少高盐高糖高脂食品供应。",
         "（二）校园内全面禁止吸烟，禁止在学校周边销售烟草制品。", "滨海新区教育局", "2026年3月1日"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(instance: Path) -> tuple[str, str]:
    """A sheet issued through the operations; returns (serial, code)."""
    env = dict(os.environ, REVIEW_INSTANCE_PATH=str(instance))
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    os.environ["REVIEW_INSTANCE_PATH"] = str(instance)
    from pipeline import run_bytes
    from review import create_app
    from review.accounts.operations import create_user
    from review.experts.models import Expert
    from review.extensions import db
    from review.reviews.models import Assignment, AssignmentStatus, Opinion, OpinionStatus
    from review.reviews.operations import decide
    from review.sheets.operations import issue_sheet
    from review.submissions.models import (Clause, Conclusion, PolicyType, Status, Submission,
                                           SubmissionVersion)

    app = create_app()
    with app.app_context():
        dept = create_user("bench-dept", "department", "bench password 42", department="教育局")
        office = create_user("bench-office", "office", "bench password 42")
        expert = Expert(name="评审专家", domains=["school_health"], title="教授", affiliation="研究所")
        parsed = run_bytes("\n".join(DRAFT).encode("utf-8"), "方案.txt").to_dict()
        sub = Submission(title="校园健康促进行动实施方案", department_id=dept.department_id, created_by_id=dept.id,
                         policy_type=PolicyType.normative, status=Status.deliberation)
        version = SubmissionVersion(round=1, draft_sha256=parsed["sha256"], text_sha256=parsed["text_sha256"],
                                    parsed=parsed, parse_status=parsed["status"])
        version.clauses = [Clause(key=c["id"], ordinal=n, path=c.get("path") or "", text=c["text"])
                           for n, c in enumerate(parsed["clauses"])]
        sub.versions.append(version)
        db.session.add_all([expert, sub])
        db.session.flush()
        opinion = Opinion(status=OpinionStatus.submitted, recommendation=Conclusion.approve, summary="同意",
                          submitted_at=version.created_at)
        db.session.add(Assignment(submission=sub, round=1, expert=expert, status=AssignmentStatus.submitted,
                                  opinion=opinion))
        db.session.flush()
        decision = decide(office, sub, "approve")
        sheet, code = issue_sheet(office, decision)
        db.session.commit()
        serial = sheet.serial
        db.session.remove()
    return serial, code


def start_server(instance: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    return start_gunicorn(instance, port, workers=workers, threads=threads,
                          env={"REVIEW_VERIFY_RATE_LIMIT": "1000000 per minute"})


def stop_server(proc: subprocess.Popen) -> None:
    stop_gunicorn(proc)


def _client_process(url: str, threads: int, start_at: float, seconds: float, out: mp.Queue) -> None:
    """One client process: threads with a requests.Session each, GET in a loop until the end time."""
    import requests

    latencies: list[float] = []
    codes: Counter = Counter()
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        mine, mine_codes = [], Counter()
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + seconds
        while time.time() < end:
            t0 = time.perf_counter()
            try:
                status = session.get(url, timeout=30).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            mine.append(time.perf_counter() - t0)
            mine_codes[status] += 1
        with lock:
            latencies.extend(mine)
            codes.update(mine_codes)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, dict(codes)))


def drive(url: str, seconds: float, clients: int, procs: int) -> dict:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 2.0  # every client process is up before the clock starts
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    children = [ctx.Process(target=_client_process, args=(url, n, start_at, seconds, out)) for n in per if n]
    for p in children:
        p.start()
    latencies, codes = [], Counter()
    for _ in children:
        lat, c = out.get(timeout=seconds + 120)
        latencies.extend(lat)
        codes.update(c)
    for p in children:
        p.join(30)
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "rps": n / seconds, "codes": dict(codes),
            "p50": statistics.median(latencies) * 1000 if n else float("nan"),
            "p95": latencies[int(0.95 * (n - 1))] * 1000 if n else float("nan")}


def drive_wrk(url: str, seconds: float, clients: int, threads: int = 2) -> dict:
    """The same load with wrk (C): the client costs little CPU on a small shared machine."""
    base, _, path = url.partition("://")[2].partition("/")
    r = loadgen_wrk(f"http://{base}", [("/" + path, "")], seconds, clients, threads)
    return {"requests": r["n"], "rps": r["rps"], "codes": r["statuses"], "p50": r["p50"], "p95": r["p95"]}


def line(name: str, r: dict) -> str:
    return (f"{name:<34} {r['rps']:8.0f} req/s   p50 {r['p50']:6.2f} ms   p95 {r['p95']:6.2f} ms   "
            f"({r['requests']} requests, status {r['codes']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--procs", type=int, default=4, help="client processes (the threads are spread over them)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=None,
                        help="gunicorn threads per worker (default: gunicorn.conf.py)")
    parser.add_argument("--client", choices=["auto", "wrk", "requests"], default="auto",
                        help="load generator: wrk when installed (auto), else threads with requests.Session")
    args = parser.parse_args()
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)

    def run(url: str, seconds: float) -> dict:
        if use_wrk:
            return drive_wrk(url, seconds, args.clients)
        return drive(url, seconds, args.clients, args.procs)

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        instance = Path(tmp) / "instance"
        serial, code = prepare(instance)
        port = free_port()
        proc = None
        try:
            proc = start_server(instance, port, args.workers, args.threads)
            base = f"http://127.0.0.1:{port}"
            verify_url = f"{base}/api/v1/sheets/{quote(serial, safe='')}?code={code}"
            import requests

            body = requests.get(verify_url, timeout=10).json()
            if not body.get("valid"):
                raise SystemExit(f"the prepared sheet does not verify: {body}")
            run(verify_url, 2.0)  # warm-up (imports, key cache, SQLite pages)
            results = {
                "GET /static/app.css (raw baseline)": run(f"{base}/static/app.css", args.seconds),
                "GET /verify/public-key.pem (app)": run(f"{base}/verify/public-key.pem", args.seconds),
                "GET /api/v1/sheets/<serial>?code=": run(verify_url, args.seconds),
            }
        finally:
            if proc is not None:
                stop_server(proc)
    mode = gunicorn_settings() if args.workers is None and args.threads is None else \
        f"{args.workers or 'default'} workers x {args.threads or 'default'} threads"
    client = f"wrk, {args.clients} connections" if use_wrk else f"requests, {args.clients} clients in {args.procs} processes"
    print(f"gunicorn {mode}; {client}; {args.seconds:g} s per endpoint; "
          f"CPUs: {os.cpu_count()}")
    for name, r in results.items():
        print(line(name, r))
    verify, raw, app_base = (results[k] for k in list(results)[::-1])
    print(f"verify / static  throughput ratio {verify['rps'] / raw['rps']:.2f}   p50 ratio {verify['p50'] / raw['p50']:.2f}")
    print(f"verify / trivial app endpoint  throughput ratio {verify['rps'] / app_base['rps']:.2f}   "
          f"p50 ratio {verify['p50'] / app_base['p50']:.2f}")
    ok = verify["rps"] >= GOAL and set(verify["codes"]) == {200}
    print(f"goal >= {GOAL:.0f} req/s with every answer 200: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
