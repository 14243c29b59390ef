"""Registry benchmark: the registry page at 20 users, the xlsx export, and the inventory's overhead.

    .venv/bin/python benchmarks/bench_registry.py [--seconds 8] [--entries 10000] [--submissions 5000]
                                                 [--events 25000] [--documents 100]

One SQLite instance after `flask init-db`, bulk-loaded: review.demo.volume (submissions with their
versions, seats, opinions, decisions, sheets and audit events) and review.registry.volume (registry
entries, the first ``submissions`` of them linked to the submissions). gunicorn serves it as `make run`
does (gunicorn.conf.py); wrk drives each page with 20 keep-alive connections. Printed:
- p50/p95 of the registry page filtered and searched (goal p95 <= 300 ms), and of the statistics page
  and GET /api/v1/stats when this build has them (STATS_TARGETS; "not in this build" otherwise);
- the time of GET /api/v1/registry.xlsx over every entry (goal <= 5 s for 10,000 rows);
- the inventory of ``documents`` generated .docx files in a zip (extraction, sandboxed parse, screening,
  entries and search index, progress commits) against parsing the same files alone in the sandbox,
  one after the other as the job does (goal ratio <= 2).
Only 127.0.0.1 is contacted; the server is stopped at the end, also on error.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import requests

from bench_volume import free_port
from bench_web import PASSWORD, logged_in
from loadgen import cookie_header, drive_wrk, gunicorn_settings, start_gunicorn, stop_gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"

# A light page of the same app (one small query): the baseline the registry pages are compared with.
BASELINE_TARGET = ("baseline: notifications page", "/notifications/")
REGISTRY_TARGETS = {
    "registry, filtered": "/registry/?impact=minor&status=in_force&year=2024&sort=title&dir=asc",
    "registry, filtered (reviewed)": "/registry/?reviewed=yes&sort=updated&page=3",
    "registry, searched (words)": "/registry/?q=%E8%BF%91%E8%A7%86%E9%98%B2%E6%8E%A7",  # 近视防控
    "registry, searched (phrase + filter)": "/registry/?q=%E9%A3%9F%E5%93%81%E5%AE%89%E5%85%A8&impact=major",
}
# The statistics helper's pages (issue 12): measured when this build serves them (hook for the coordinator).
STATS_TARGETS = {
    "statistics page": "/stats/",
    "GET /api/v1/stats": "/api/v1/stats",
}
POLICY_LINES = [
    "为保障学生身心健康，落实健康中国行动，制定本办法。",
    "学校食堂应当减少高盐高糖高脂食品供应，保障学生营养。",
    "校园内全面禁止吸烟，禁止在学校周边一百米内销售烟草制品和电子烟。",
    "保证学生每天校内外户外活动时间不少于两小时，控制电子产品使用时间。",
    "配备专职心理健康教师，建立学生心理危机干预机制。",
    "各单位应当按年度完成文件归档，编制移交清单。",
    "所需经费纳入年度预算，由财政部门统筹安排。",
    "在学校周边设置限速标志和减速带，建设学生安全接送区。",
]


def policy_docx(n: int) -> bytes:
    """A realistic policy of some 30 clauses, different for each n."""
    from docx import Document

    doc = Document()
    doc.add_paragraph(f"滨海新区第{n}号管理办法")
    for i in range(30):
        doc.add_paragraph(f"第{i + 1}条 " + POLICY_LINES[(n + i) % len(POLICY_LINES)] + f"（第{n}-{i}项）")
    doc.add_paragraph("滨海新区人民政府办公室")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def prepare(args) -> tuple[Path, dict, object, str]:
    instance = Path(tempfile.mkdtemp(prefix="hiap-registry-"))
    env = {"REVIEW_INSTANCE_PATH": str(instance)}
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"], cwd=ROOT, env=dict(os.environ, **env),
                   check=True, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    os.environ.pop("REVIEW_DATABASE_URL", None)
    from bench_volume import _draft
    from review import create_app
    from review.accounts.auth import hash_password
    from review.accounts.operations import create_token
    from review.demo.volume import load_volume
    from review.extensions import db
    from review.registry.volume import load_registry_volume

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "PAGE_CACHE_SIZE": 0})
    with app.app_context():
        t0 = time.perf_counter()
        parsed = _draft()
        load_volume(parsed, hash_password(PASSWORD), submissions=args.submissions, experts=200, events=args.events)
        load_registry_volume(parsed, entries=args.entries, linked=args.submissions)
        token = create_token("vol-office")
        db.session.commit()
        print(f"loaded {args.entries} registry entries, {args.submissions} submissions, {args.events} events "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        db.session.remove()
    return instance, env, app, token


def pages(base: str, seconds: float, token: str) -> None:
    office = logged_in(base, "vol-office")
    cookie = cookie_header(office)
    print(f"\nregistry pages at 20 users (wrk, {seconds:g} s each, gunicorn {gunicorn_settings()}):")
    print(f"  {'page':42} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}  statuses")
    base_p95 = None
    for name, path in {BASELINE_TARGET[0]: BASELINE_TARGET[1], **REGISTRY_TARGETS, **STATS_TARGETS}.items():
        api = path.startswith("/api/")
        probe = requests.get(base + path, timeout=60, **({"headers": {"Authorization": f"Bearer {token}"}} if api
                                                       else {"cookies": office.cookies}))
        if probe.status_code == 404:
            print(f"  {name:42} not in this build (STATS_TARGETS hook)")
            continue
        if probe.status_code != 200:
            raise SystemExit(f"{path}: {probe.status_code}")
        # A second of 20 connections first, not counted: every worker and thread warm (one
        # keep-alive session reaches one worker only), so the figures are the steady state.
        for run_seconds in (1, seconds):
            if api:  # wrk sends one header per target: the bearer token in place of the cookie
                result = drive_wrk_api(base, path, token, run_seconds)
            else:
                result = drive_wrk(base, [(path, cookie)], run_seconds, connections=20)
        if base_p95 is None:
            base_p95 = result["p95"]
            ratio = ""
        else:
            ratio = f"  p95 = {result['p95'] / base_p95:.1f} x baseline"
        goal = "" if result["p95"] <= 300 else " (over the 300 ms goal)"
        print(f"  {name:42} {result['p50']:8.1f} {result['p95']:8.1f} {result['rps']:7.1f}  {result['statuses']}"
              f"{ratio}{goal}", flush=True)


def drive_wrk_api(base: str, path: str, token: str, seconds: float) -> dict:
    import loadgen

    script = loadgen._WRK_SCRIPT.replace('{["Cookie"] = t[2]}', '{["Authorization"] = t[2]}')
    saved = loadgen._WRK_SCRIPT
    loadgen._WRK_SCRIPT = script
    try:
        return drive_wrk(base, [(path, f"Bearer {token}")], seconds, connections=20)
    finally:
        loadgen._WRK_SCRIPT = saved


def export(base: str, token: str, entries: int) -> None:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = requests.get(f"{base}/api/v1/registry.xlsx", headers={"Authorization": f"Bearer {token}"}, timeout=300)
        times.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise SystemExit(f"export: {r.status_code}")
    from openpyxl import Workbook, load_workbook

    # Raw baseline in the same run: openpyxl writing 10,000 rows of the same shape, no database, no escaping.
    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for i in range(entries + 1):
        ws.append([i, f"关于第{i}项工作的实施意见", "滨海新区第1局", "现行有效", f"滨政发〔2024〕{i}号", "轻微", 2, 2024,
                   "#1 第1轮：修改 滨健审〔2024〕1号"])
    wb.save(io.BytesIO())
    raw = time.perf_counter() - t0

    rows = sum(1 for _row in load_workbook(io.BytesIO(r.content), read_only=True).active.iter_rows()) - 1
    print(f"\nxlsx export of {rows} rows (of {entries} entries): median {statistics.median(times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}; {len(r.content) / 1e6:.1f} MB; goal <= 5 s); "
          f"raw openpyxl of the same shape: {raw:.2f} s; ratio {statistics.median(times) / raw:.2f}")


def inventory(app, n: int) -> None:
    """The inventory job in this process against parsing the same documents alone."""
    from flask import current_app

    from pipeline import run_file_isolated
    from review.accounts.models import User
    from review.extensions import db
    from review.jobs.models import Job
    from review.jobs.operations import Progress
    from review.registry.inventory import run_inventory, stage_inventory
    from werkzeug.datastructures import FileStorage

    docs = {f"存量/办法{i:03d}.docx": policy_docx(i) for i in range(n)}
    folder = Path(tempfile.mkdtemp(prefix="hiap-inventory-"))
    for name, data in docs.items():
        (folder / Path(name).name).write_bytes(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in docs.items():
            zf.writestr(name, data)
    with app.test_request_context():
        cfg = current_app.config
        limits = dict(timeout=float(cfg["PARSE_TIMEOUT"]), memory=int(cfg["PARSE_MEMORY_MB"]) << 20,
                      max_clauses=int(cfg["MAX_CLAUSES"]))
        t0 = time.perf_counter()
        for path in sorted(folder.iterdir()):
            assert run_file_isolated(path, **limits).status != "failure"
        alone = time.perf_counter() - t0
        dept = db.session.scalar(db.select(User).where(User.username == "vol-dept"))
        office = db.session.scalar(db.select(User).where(User.username == "vol-office"))
        t0 = time.perf_counter()
        payload, count = stage_inventory(office, dept.department_id, [FileStorage(io.BytesIO(buf.getvalue()),
                                                                                  "存量文件.zip")])
        job = Job(kind="inventory", payload=payload, total=count, owner_id=office.id)
        db.session.add(job)
        db.session.commit()
        result = run_inventory(job, Progress(job, job.lease))
        db.session.commit()
        whole = time.perf_counter() - t0
        read = sum(1 for r in result["rows"] if r.get("id"))
    print(f"\ninventory of {n} .docx in a zip ({read} entries): {whole:.1f} s; parsing them alone in the sandbox: "
          f"{alone:.1f} s; ratio {whole / alone:.2f} (goal <= 2)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--submissions", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=25_000)
    parser.add_argument("--documents", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared: timings are noisy)")
    instance, env, app, token = prepare(args)
    port = free_port()
    server = start_gunicorn(instance, port, log=instance / "gunicorn.log")
    try:
        base = f"http://127.0.0.1:{port}"
        pages(base, args.seconds, token)
        export(base, token, args.entries)
    finally:
        stop_gunicorn(server)
    inventory(app, args.documents)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
