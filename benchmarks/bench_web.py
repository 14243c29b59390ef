"""Web benchmark on gunicorn: the expert review page of a 200-clause draft, and 50 opinions at once.

    .venv/bin/python benchmarks/bench_web.py [--seconds 20] [--users 20]

Prepares a temporary instance (init-db, then users, a 200-clause submission and a 50-expert panel
through the app's own operations), serves it with gunicorn on 127.0.0.1 and prints:
- p50/p95 of GET /reviews/<id> at 20 concurrent experts, beside raw baselines (static file, login
  page) measured in the same run; the goal is p95 <= 150 ms. Then the same with the page cache off
  (REVIEW_PAGE_CACHE_SIZE=0), which is what a view costs right after the seat changed;
- 50 experts submitting at the same instant (threading.Barrier): HTTP outcomes, then the database:
  opinions stored, comments stored, and how many times the submission entered deliberation.
The server is stopped at the end, also on error. Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import argparse
import io
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
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests

import loadgen  # noqa: E402
from loadgen import (cookie_header, csrf_token, drive_wrk, gunicorn_settings, start_gunicorn,  # noqa: E402
                     stop_gunicorn)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench password 42"
N_EXPERTS = 50
N_CLAUSES = 200
DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..999 as written in 第N条."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    if ones:
        out += DIGITS[ones]
    return out


def draft_text() -> bytes:
    topics = ["学校食堂应当减少高盐高糖高脂食品供应，保障学生营养", "校园内全面禁止吸烟，禁止销售电子烟",
              "保证学生每天户外活动时间不少于2小时", "配备专职心理健康教师，建立心理危机干预机制",
              "用人单位应当为劳动者提供符合职业卫生要求的工作场所"]
    lines = ["滨海新区学生健康促进管理办法（征求意见稿）", "各学校、各有关单位："]
    for n in range(1, N_CLAUSES + 1):
        lines.append(f"第{chinese_number(n)}条　{topics[n % len(topics)]}，具体要求按照第{n}项工作安排执行。")
    lines += ["滨海新区教育局", "2026年3月1日"]
    return "\n".join(lines).encode("utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- preparation, in process, through the operations ------------------------------------------


def prepare(instance: Path) -> dict:
    env = dict(os.environ, REVIEW_INSTANCE_PATH=str(instance))
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    os.environ["REVIEW_INSTANCE_PATH"] = str(instance)
    from werkzeug.datastructures import FileStorage

    from review import create_app
    from review.accounts.operations import create_user
    from review.experts.models import Expert
    from review.extensions import db
    from review.reviews.operations import assign_experts
    from review.submissions import operations as sops

    app = create_app()
    with app.app_context():
        dept = create_user("bench-dept", "department", PASSWORD, department="教育局")
        office = create_user("bench-office", "office", PASSWORD)
        domains = ["school_health", "nutrition_food", "tobacco_alcohol", "mental_health", "health_promotion"]
        experts = []
        for i in range(N_EXPERTS):
            e = Expert(name=f"评审专家{i:02d}", domains=[domains[i % len(domains)]], title="教授",
                       affiliation=f"第{i}研究所", expertise="学校卫生与健康促进", max_load=5)
            db.session.add(e)
            db.session.flush()
            create_user(f"bench-e{i:02d}", "expert", PASSWORD, expert_name=e.name)
            experts.append(e)
        db.session.commit()
        staged = sops.stage_submission(
            dept, {"title": "学生健康促进管理办法", "policy_type": "normative"},
            draft=FileStorage(io.BytesIO(draft_text()), filename="办法.txt"),
            letter=FileStorage(io.BytesIO("关于提请健康审查的函".encode()), filename="公函.txt"))
        problems = sops.staged_problems(staged)
        if problems:
            raise SystemExit(f"the 200-clause draft was not accepted: {problems} {staged.parsed.get('errors')}")
        sub = sops.confirm_submission(dept, staged)
        sops.accept_submission(office, sub)
        db.session.commit()
        assignments = assign_experts(office, sub, [e.id for e in experts], date.today() + timedelta(days=14))
        db.session.commit()
        clauses = [c.id for c in sub.current_version.clauses]
        info = {"sub_id": sub.id, "clauses": clauses,
                "assignments": {a.expert.user.username: a.id for a in assignments}}
        db.session.remove()
    return info


# -- HTTP --------------------------------------------------------------------------------------


def logged_in(base: str, username: str) -> requests.Session:
    return loadgen.logged_in(base, username, PASSWORD)


def load(sessions: list[requests.Session], urls: list[str], seconds: float, max_per_user: int) -> dict:
    """Each session GETs its URL in a loop until the time or request budget is spent."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(len(sessions))

    def worker(s: requests.Session, url: str) -> None:
        barrier.wait()
        end = time.monotonic() + seconds
        mine, codes = [], Counter()
        for _ in range(max_per_user):
            if time.monotonic() >= end:
                break
            t0 = time.perf_counter()
            try:
                codes[s.get(url, timeout=60).status_code] += 1
            except requests.RequestException as exc:  # e.g. a worker killed by gunicorn's timeout
                codes[type(exc).__name__] += 1
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=worker, args=(s, u)) for s, u in zip(sessions, urls)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"n": len(latencies), "p50": q[49] * 1000, "p95": q[94] * 1000, "max": max(latencies) * 1000,
            "rps": len(latencies) / wall, "statuses": dict(statuses)}


def line(name: str, r: dict) -> str:
    return (f"  {name:<34} n={r['n']:>5}  p50={r['p50']:7.1f} ms  p95={r['p95']:7.1f} ms  "
            f"max={r['max']:7.1f} ms  {r['rps']:6.1f} req/s  HTTP {r['statuses']}")


def burst(base: str, sessions: dict[str, requests.Session], info: dict) -> dict:
    """All experts POST a submitted opinion at the same instant; then read what each was told."""
    pages = {u: s.get(f"{base}/reviews/{info['assignments'][u]}", timeout=60) for u, s in sessions.items()}
    tokens = {u: csrf_token(p.text) for u, p in pages.items()}
    barrier = threading.Barrier(len(sessions))
    results: dict[str, dict] = {}
    clauses = info["clauses"]

    def worker(n: int, username: str) -> None:
        s, aid = sessions[username], info["assignments"][username]
        clause = clauses[n % len(clauses)]
        # The clause comment is saved first, as the page's editor does; the opinion is then submitted
        # by everyone at the same instant.
        saved = s.post(f"{base}/reviews/{aid}/comments", headers={"Accept": "application/json"}, timeout=60,
                       data={"csrf_token": tokens[username], "clause_id": clause, "severity": "medium",
                             "text": f"{username} 对该条款的意见", "suggestion": "建议明确责任主体"})
        saved.raise_for_status()
        data = {"csrf_token": tokens[username], "action": "submit",
                "recommendation": "modify" if n % 5 == 0 else "approve",
                "summary": f"{username} 的总体意见"}
        s.close()  # drop idle keep-alive connections (gthread closes them after 2 s): no stale-socket race
        barrier.wait()
        t0 = time.perf_counter()
        try:
            r = s.post(f"{base}/reviews/{aid}/opinion", data=data, allow_redirects=False, timeout=120)
            code = r.status_code
        except requests.RequestException as exc:
            results[username] = {"http": type(exc).__name__, "ms": (time.perf_counter() - t0) * 1000,
                                 "error": str(exc)[:200]}
            return
        ms = (time.perf_counter() - t0) * 1000
        told = "—"
        if code == 302:  # what the expert reads next: the flashed message on the review page
            html = s.get(f"{base}/reviews/{aid}", timeout=60).text
            told = "error" if "flash-error" in html else "success" if "flash-success" in html else "no message"
        results[username] = {"http": code, "ms": ms, "told": told}

    threads = [threading.Thread(target=worker, args=(n, u)) for n, u in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return results


def check_database(instance: Path, info: dict) -> dict:
    os.environ["REVIEW_INSTANCE_PATH"] = str(instance)
    from review import create_app
    from review.audit.models import AuditEvent
    from review.extensions import db
    from review.reviews.models import Assignment, AssignmentStatus
    from review.submissions.models import Submission

    app = create_app()
    with app.app_context():
        sub = db.session.get(Submission, info["sub_id"])
        seats = db.session.scalars(db.select(Assignment).where(Assignment.submission_id == sub.id)).all()
        stored = {a.expert.user.username: a for a in seats
                  if a.status is AssignmentStatus.submitted and a.opinion is not None
                  and a.opinion.status.value == "submitted"}
        intact = sum(1 for u, a in stored.items()
                     if a.opinion.summary == f"{u} 的总体意见"
                     and [c.text for c in a.opinion.comments] == [f"{u} 对该条款的意见"])
        completes = db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.submission_id == sub.id, AuditEvent.action == "opinions_complete"))
        submits = db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.submission_id == sub.id, AuditEvent.action == "submit_opinion"))
        out = {"status": sub.status.value, "stored": set(stored), "intact": intact, "completes": completes,
               "submit_events": submits}
        db.session.remove()
    return out


def profile_render(instance: Path, info: dict) -> None:
    """Where one render of the review page spends its time: in process, through the test client."""
    import cProfile
    import pstats

    from sqlalchemy import event

    from review import create_app
    from review.extensions import db

    os.environ["REVIEW_INSTANCE_PATH"] = str(instance)
    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    username = sorted(info["assignments"])[0]
    client.post("/login", data={"username": username, "password": PASSWORD})
    url = f"/reviews/{info['assignments'][username]}"
    client.get(url)
    queries = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: queries.append(1))
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        html = client.get(url).data
        times.append(time.perf_counter() - t0)
    prof = cProfile.Profile()
    prof.enable()
    client.get(url)
    prof.disable()
    stats = pstats.Stats(prof).stats
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in stats.values())

    def cumulative(fragment: str, name: str) -> float:
        return sum(v[3] for k, v in stats.items() if fragment in k[0] and k[2] == name)

    render = cumulative("flask/templating.py", "_render")
    sql = sum(v[3] for k, v in stats.items() if k[0] == "~" and "sqlite3.Cursor" in k[2])
    escape = cumulative("markupsafe/__init__.py", "escape")
    gettext = cumulative("jinja2/ext.py", "_gettext_alias")
    print(f"\nwhere the time goes (in process, one render, median of 10: {statistics.median(times) * 1000:.0f} ms)")
    print(f"  HTML {len(html) / 1024:.0f} KB: {html.count(b'<option')} <option>, {html.count(b'<textarea')} <textarea>, "
          f"{html.count(b'<details')} <details>; {len(queries) // 10} SQL queries per request")
    print(f"  under cProfile: template rendering {render / total:.0%}, of which markupsafe.escape "
          f"{escape / total:.0%} and gettext in the template {gettext / total:.0%}; SQL execution {sql / total:.1%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of each latency phase")
    ap.add_argument("--users", type=int, default=20, help="concurrent experts on the review page")
    ap.add_argument("--max-requests", type=int, default=2000, help="per user and phase")
    ap.add_argument("--no-uncached", action="store_true", help="skip the phase with the page cache off")
    ap.add_argument("--client", choices=["auto", "wrk", "requests"], default="auto",
                    help="load generator: wrk when installed (auto), else one thread per user with requests")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        instance = Path(tmp) / "instance"
        t0 = time.perf_counter()
        info = prepare(instance)
        print(f"prepared in {time.perf_counter() - t0:.1f} s: submission {info['sub_id']}, "
              f"{len(info['clauses'])} clauses, {len(info['assignments'])} experts assigned")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "gunicorn.log"
        proc = start_gunicorn(instance, port, log=log, ready_path="/login")
        try:
            print(f"gunicorn on {base}, as `make run` serves: {gunicorn_settings()}")
            usernames = sorted(info["assignments"])
            t1 = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                sessions = dict(zip(usernames, pool.map(lambda u: logged_in(base, u), usernames)))
            print(f"{len(sessions)} experts logged in through the login form in {time.perf_counter() - t1:.0f} s "
                  "(its rate limit, 20/min per address, paces this)")

            users = usernames[:args.users]
            ss = [sessions[u] for u in users]
            for s, u in zip(ss, users):  # warm-up: one request per session and worker
                s.get(f"{base}/reviews/{info['assignments'][u]}", timeout=60)
            size = len(ss[0].get(f"{base}/reviews/{info['assignments'][users[0]]}", timeout=60).content)
            budget = (args.seconds, args.max_requests)
            use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
            client = f"wrk, {len(ss)} connections" if use_wrk else f"{len(ss)} client threads (requests)"
            print(f"\nlatency at {len(ss)} concurrent users ({client}), {args.seconds:.0f} s per phase "
                  f"(review page: {size / 1024:.0f} KB of HTML)")

            def phase(paths: list[str], sessions_: list[requests.Session]) -> dict:
                if use_wrk:
                    targets = [(p, cookie_header(sx)) for p, sx in zip(paths, sessions_)]
                    return drive_wrk(base, targets, args.seconds, len(sessions_))
                return load(sessions_, [base + p for p in paths], *budget)

            static = phase(["/static/app.css"] * len(ss), ss)
            print(line("baseline GET /static/app.css", static))
            login_page = phase(["/login"] * len(ss), [requests.Session() for _ in ss])
            print(line("baseline GET /login (template)", login_page))
            page = phase([f"/reviews/{info['assignments'][u]}" for u in users], ss)
            print(line(f"GET /reviews/<id> ({len(info['clauses'])} clauses)", page))
            print(f"  ratio review page / static: p50 x{page['p50'] / static['p50']:.1f}, "
                  f"p95 x{page['p95'] / static['p95']:.1f}; / login page: p95 x{page['p95'] / login_page['p95']:.1f}")
            print(f"  goal p95 <= 150 ms: {'met' if page['p95'] <= 150 else 'MISSED'} ({page['p95']:.0f} ms)")
            if page["p95"] > 150:  # before the opinions are submitted: the page is still editable
                profile_render(instance, info)
            if not args.no_uncached:
                # The same load with the page cache off: what a view costs when the seat just changed.
                stop_gunicorn(proc)
                proc = start_gunicorn(instance, port, log=log, ready_path="/login",
                                      env={"REVIEW_PAGE_CACHE_SIZE": "0"})
                for s, u in zip(ss, users):  # warm-up of the new workers, as above
                    s.get(f"{base}/reviews/{info['assignments'][u]}", timeout=60)
                cold = phase([f"/reviews/{info['assignments'][u]}" for u in users], ss)
                print(line("GET /reviews/<id>, page cache off", cold))
                print("  (every view rendered from the database, as on the first view after the seat changed)")
                stop_gunicorn(proc)
                proc = start_gunicorn(instance, port, log=log, ready_path="/login")

            print(f"\n{len(sessions)} experts submit at once (threading.Barrier)")
            results = burst(base, sessions, info)
        finally:
            stop_gunicorn(proc)
            problems = [ln for ln in log.read_text(errors="replace").splitlines()
                        if "WORKER TIMEOUT" in ln or "[ERROR]" in ln or "Traceback" in ln]
            print(f"gunicorn log: {len(problems)} error lines" + "".join(f"\n  {ln}" for ln in problems[:5]))
        outcomes = Counter((r["http"], r.get("told", "—")) for r in results.values())
        for (code, told), n in sorted(outcomes.items(), key=str):
            print(f"  HTTP {code}, then the page says {told}: {n}")
        ms = sorted(r["ms"] for r in results.values())
        print(f"  POST latency: p50 {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms")
        db_state = check_database(instance, info)
        told_ok = {u for u, r in results.items() if r.get("told") == "success"}
        lost = told_ok - db_state["stored"]
        print(f"  database: {len(db_state['stored'])}/{len(results)} opinions submitted, "
              f"{db_state['intact']} with the exact summary and clause comment sent, "
              f"{db_state['submit_events']} submit_opinion events")
        print(f"  submission status: {db_state['status']}; opinions_complete events: {db_state['completes']}")
        not_stored = set(results) - db_state["stored"]
        if not_stored:
            print(f"  not stored: {len(not_stored)} (of which told success: {len(lost)}); transport errors: "
                  + "; ".join(sorted({r['error'] for r in results.values() if 'error' in r})))
        ok = (len(db_state["stored"]) == len(results) == N_EXPERTS and db_state["intact"] == N_EXPERTS
              and not lost)
        print(f"  opinions lost: {0 if ok else len(set(results) - db_state['stored'])}"
              + ("" if ok else "  (see above)"))
        print(f"  entered deliberation exactly once: {'yes' if db_state['completes'] == 1 and db_state['status'] == 'deliberation' else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
