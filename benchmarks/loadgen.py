"""What the HTTP benchmarks share: a gunicorn server on loopback, and wrk as the load generator.

wrk is written in C, so on a small machine the client takes little of the CPU the server needs.
Every request goes to 127.0.0.1 only, and every run is bounded in time.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def start_gunicorn(instance: Path, port: int, *, workers: int | None = None, threads: int | None = None,
                   env: dict | None = None, log: Path | None = None,
                   ready_path: str = "/static/app.css") -> subprocess.Popen:
    """gunicorn serving wsgi:app for the given instance folder, configured as `make run` serves it
    (gunicorn.conf.py, access log included) unless workers/threads are given; returns once it answers."""
    environ = dict(os.environ, REVIEW_INSTANCE_PATH=str(instance), **(env or {}))
    cmd = [str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "wsgi:app"]
    if workers is not None:
        cmd[1:1] = ["-w", str(workers)]
    if threads is not None:
        cmd[1:1] = ["--threads", str(threads)]
    out = open(log, "ab") if log else subprocess.DEVNULL  # never our stdout: a stray worker must not hold it
    proc = subprocess.Popen(cmd, cwd=ROOT, env=environ, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:] if log else ""
                raise RuntimeError(f"gunicorn exited with {proc.returncode} {tail}")
            try:
                if requests.get(f"http://127.0.0.1:{port}{ready_path}", timeout=5).status_code == 200:
                    return proc
            except requests.RequestException:  # not listening yet, or workers still booting
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 120 s")
    except BaseException:
        stop_gunicorn(proc)
        raise


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


_WRK_SCRIPT = """
local targets = {%(targets)s}
local counter = 0
setup = function(thread) thread:set("offset", counter); counter = counter + 1 end
init = function(args) n = offset or 0 end
request = function()
  n = n + 1
  local t = targets[(n %% #targets) + 1]
  if t[2] == "" then return wrk.format("GET", t[1]) end
  return wrk.format("GET", t[1], {["Cookie"] = t[2]})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%.1f %%.1f %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def drive_wrk(base: str, targets: list[tuple[str, str]], seconds: float, connections: int,
              threads: int = 2) -> dict:
    """GET the targets, (path, Cookie header or ""), round robin over ``connections`` keep-alive
    connections for ``seconds``; returns requests, req/s, p50/p95/max in ms and the status counts."""
    body = ", ".join("{" + _lua(p) + ", " + _lua(c) + "}" for p, c in targets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_WRK_SCRIPT % {"targets": body})
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
                              "--timeout", "30s", "-s", fh.name, base], capture_output=True, text=True,
                             timeout=seconds + 60, check=True).stdout
    finally:
        os.unlink(fh.name)
    fields = next(line for line in out.splitlines() if line.startswith("BENCH ")).split()[1:]
    n, duration, p50, p95, worst, bad_status, socket_errors = (float(x) for x in fields)
    codes = {200: int(n - bad_status)}
    if bad_status:
        codes["non-2xx"] = int(bad_status)
    if socket_errors:
        codes["socket errors"] = int(socket_errors)
    return {"n": int(n), "rps": n / (duration / 1e6), "statuses": codes, "p50": p50 / 1000, "p95": p95 / 1000,
            "max": worst / 1000}


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def gunicorn_settings() -> str:
    """What gunicorn.conf.py gives on this machine, for the benchmark's header."""
    env: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), env)
    return f"{env['workers']} workers x {env['threads']} threads ({env['worker_class']})"


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if m is None:
        raise RuntimeError("no CSRF token in the page")
    return m.group(1)


def logged_in(base: str, username: str, password: str) -> requests.Session:
    """A signed-in session; the login form is rate-limited per address, so wait as a user would."""
    s = requests.Session()
    token = csrf_token(s.get(f"{base}/login", timeout=30).text)
    deadline = time.monotonic() + 300
    while True:
        r = s.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token},
                   allow_redirects=False, timeout=30)
        if r.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(min(float(r.headers.get("Retry-After") or 5), 30))
    if r.status_code != 302 or "/login" in r.headers.get("Location", ""):
        raise RuntimeError(f"login of {username} failed: {r.status_code}")
    return s
