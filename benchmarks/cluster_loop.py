"""The review loop as a department's and the office's systems drive it through the JSON API
(bearer tokens), robust to a node dying under it, and the checks made afterwards.

A write answered 2xx is acknowledged and goes into the ledger; a request that got no answer (the
node died, nginx says 502) is "uncertain": the loop re-reads the state and goes on, and never
repeats a POST blindly (a lost submission answer is looked up by its unique title).
Afterwards ``lost()`` checks every acknowledged write against the database.
"""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
DRAFT = (ROOT / "review" / "demo" / "sample-draft.txt").read_bytes()
LETTER = "关于提请对实施方案进行健康审查的函".encode()
NO_ANSWER = (502, 503, 504)


class LoopError(RuntimeError):
    pass


@dataclass
class Ledger:
    acks: list[tuple[str, object]] = field(default_factory=list)  # (kind, key) answered 2xx
    uncertain: list[str] = field(default_factory=list)  # "POST /path": no answer
    requests: int = 0
    concluded: list[int] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)  # sheet serials checked by serial and code
    sheets: dict[int, str] = field(default_factory=dict)  # submission id -> serial
    seconds: dict[str, list[float]] = field(default_factory=dict)  # "POST /api/v1/submissions/#/accept" -> times
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, kind: str, key) -> None:
        with self.lock:
            self.acks.append((kind, key))

    def count(self, kind: str) -> int:
        with self.lock:
            return sum(1 for k, _ in self.acks if k == kind)


class Api:
    """One keep-alive session per thread against one base URL."""

    def __init__(self, base: str, ledger: Ledger):
        self.base, self.ledger, self._local = base, ledger, threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "s"):
            self._local.s = requests.Session()
        return self._local.s

    def call(self, method: str, path: str, token: str, **kw) -> requests.Response | None:
        """The response, or None when no node answered (then the outcome of a write is unknown)."""
        with self.ledger.lock:
            self.ledger.requests += 1
        start = time.perf_counter()
        try:
            r = self._session().request(method, self.base + path, headers={"Authorization": f"Bearer {token}"},
                                        timeout=120, **kw)
        except requests.ConnectionError:
            r = None
        with self.ledger.lock:
            self.ledger.seconds.setdefault(f"{method} {_pattern(path)}", []).append(
                time.perf_counter() - start)
        if r is None or r.status_code in NO_ANSWER:
            with self.ledger.lock:
                self.ledger.uncertain.append(f"{method} {path}")
            self._local.__dict__.pop("s", None)  # a fresh connection next time
            time.sleep(0.2)
            return None
        return r


def _pattern(path: str) -> str:
    path = re.sub(r"/sheets/[^/?]+", "/sheets/#", path.split("?")[0])
    return re.sub(r"/[0-9]+", "/#", path)


def _expect(r: requests.Response, *codes: int) -> dict:
    if r.status_code not in codes:
        raise LoopError(f"{r.request.method} {r.url}: {r.status_code} {r.text[:300]}")
    return r.json()


def _find(api: Api, tokens: dict, title: str) -> int | None:
    for _ in range(50):
        r = api.call("GET", "/api/v1/submissions?per_page=100", tokens["dept_edu"])
        if r is not None:
            return next((s["id"] for s in _expect(r, 200)["items"] if s["title"] == title), None)
    raise LoopError("no node answers")


def wait_for_job(api: Api, token: str, url: str, seconds: float = 300) -> dict:
    """Poll a job until it is done; returns its submission's state ({"id", "status", "round"})."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = api.call("GET", url, token)
        if r is not None:
            job = _expect(r, 200)
            if job["status"] == "failed":
                raise LoopError(f"job {job['id']} failed: {job.get('error')} {job.get('message')}")
            if job["status"] == "done":
                return {"id": job["result"]["submission_id"], "status": None}
        time.sleep(0.5)
    raise LoopError(f"{url} did not finish within {seconds:g} s")


def submit(api: Api, tokens: dict, title: str) -> tuple[int, dict | None]:
    for _ in range(20):
        r = api.call("POST", "/api/v1/submissions", tokens["dept_edu"], data={
            "title": title, "policy_type": "normative", "stage": "drafting", "contact_name": "王老师",
            "contact_phone": "022-25200000"},
            files={"draft": ("实施方案.txt", DRAFT), "letter": ("送审公函.txt", LETTER)})
        if r is not None:
            body = _expect(r, 201, 202)
            if r.status_code == 202:  # the draft is read by a background job: wait for it
                api.ledger.ack("job", body["job"]["id"])
                body = wait_for_job(api, tokens["dept_edu"], body["status_url"])
            api.ledger.ack("submission", body["id"])
            return body["id"], body
        found = _find(api, tokens, title)  # did the unanswered request commit?
        if found:
            return found, None
    raise LoopError(f"{title}: no node took the submission")


def review_one(api: Api, tokens: dict, title: str, *, until: str = "") -> int:
    """One draft from upload to a verified sheet (or until it reaches the status ``until``);
    returns the submission id."""
    ledger = api.ledger
    sub_id, state = submit(api, tokens, title)
    office, path = tokens["office"], f"/api/v1/submissions/{sub_id}"
    code = serial = None
    for _ in range(200):
        if state is None or state["status"] is None:  # unknown (a lost answer, a refusal): read it
            r = api.call("GET", path, office)
            state = _expect(r, 200) if r is not None else None
            if state is None:
                continue
        status = state["status"]
        if status == until:
            return sub_id
        if status in ("submitted", "parsing"):
            r = api.call("POST", f"{path}/accept", office)
            if r is not None and r.status_code == 200:
                ledger.ack("accepted", sub_id)
                state = {**state, **r.json()}
                continue
        elif status == "accepted":
            r = api.call("POST", f"{path}/assignments", office, json={"use_suggestion": True})
            if r is not None and r.status_code == 201:
                body = r.json()
                ledger.ack("panel", sub_id)
                state = {**state, "status": body["status"], "assignments": body["assignments"]}
                continue
        elif status == "under_review":
            seats = [a for a in state.get("assignments") or [] if a["round"] == state.get("round", 1)]
            if not seats:
                state = None
                continue
            for a in seats:
                token = tokens["experts"][str(a["expert_id"])]
                if a["status"] == "invited":
                    r = api.call("POST", f"/api/v1/assignments/{a['id']}/accept", token)
                    if r is None or r.status_code != 200:
                        break
                    ledger.ack("accept", a["id"])
                    a["status"] = "accepted"
                if a["status"] == "accepted":
                    r = api.call("POST", f"/api/v1/assignments/{a['id']}/opinion", token,
                                 json={"recommendation": "approve", "summary": "同意", "screening": {"Q6": "是"}})
                    if r is None or r.status_code != 200:
                        break
                    ledger.ack("opinion", a["id"])
                    a["status"] = "submitted"
                    state["status"] = r.json()["submission_status"]
            else:
                if state["status"] != "under_review":
                    continue
        elif status == "deliberation":
            r = api.call("POST", f"{path}/decision", office, json={"conclusion": "approve"})
            if r is not None and r.status_code == 200:
                body = r.json()
                ledger.ack("decision", sub_id)
                if body.get("sheet"):
                    serial, code = body["sheet"]["serial"], body["sheet"]["code"]
                state = {**state, "status": body["status"]}
                continue
        elif status == "concluded":
            break
        else:
            raise LoopError(f"submission {sub_id} is {status}")
        state = None  # a refusal or no answer: read the state again
    else:
        raise LoopError(f"submission {sub_id} did not conclude")
    with ledger.lock:
        ledger.concluded.append(sub_id)
    if serial and code:
        for _ in range(20):
            r = api.call("GET", f"/api/v1/sheets/{serial}?code={code}", tokens["justice"])
            if r is not None:
                if _expect(r, 200).get("status") != "valid":
                    raise LoopError(f"sheet {serial} does not verify: {r.text[:200]}")
                with ledger.lock:
                    ledger.verified.append(serial)
                    ledger.sheets[sub_id] = serial
                break
    return sub_id


def run_loops(api: Api, tokens: dict, titles: list[str], concurrency: int) -> tuple[float, list[BaseException]]:
    """Run one review per title with ``concurrency`` clients; returns (seconds, errors)."""
    errors: list[BaseException] = []
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for fut in [pool.submit(review_one, api, tokens, t) for t in titles]:
            try:
                fut.result()
            except Exception as exc:  # reported by the caller
                errors.append(exc)
    return time.perf_counter() - start, errors


# -- checks against the database ---------------------------------------------------------------


@lru_cache(maxsize=None)
def _engine(db_url: str):
    """One engine per database for the checks (job_counts is polled while a run goes on); no pool,
    so no connection outlives a check or the throw-away server."""
    return create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool)


# What the database shows for each kind of acknowledged write (:k is the ledger's key).
_ACK_CHECKS = {
    "submission": "SELECT 1 FROM submission WHERE id = :k",
    "accepted": "SELECT 1 FROM submission WHERE id = :k AND status <> 'submitted'",
    "panel": "SELECT 1 FROM assignment WHERE submission_id = :k",
    "accept": "SELECT 1 FROM assignment WHERE id = :k AND status IN ('accepted', 'submitted')",
    "opinion": "SELECT 1 FROM opinion WHERE assignment_id = :k AND status = 'submitted'",
    "job": "SELECT 1 FROM job WHERE id = :k AND status = 'done'",
    "decision": "SELECT 1 FROM decision d JOIN opinion_sheet s ON s.decision_id = d.id WHERE d.submission_id = :k",
}


def lost(db_url: str, ledger: Ledger) -> list[str]:
    """Every acknowledged write that the database does not show."""
    with _engine(db_url).connect() as conn:
        missing = [f"{kind} {key}" for kind, key in ledger.acks
                   if kind in _ACK_CHECKS and conn.execute(text(_ACK_CHECKS[kind]), {"k": key}).first() is None]
    return missing


def sheets_per_decision(db_url: str) -> dict[str, int]:
    """Decisions without a sheet, decisions with more than one, and sheets in all."""
    with _engine(db_url).connect() as conn:
        rows = conn.execute(text("SELECT d.id, count(s.id) FROM decision d LEFT JOIN opinion_sheet s "
                                 "ON s.decision_id = d.id GROUP BY d.id")).all()
    return {"decisions": len(rows), "without_sheet": sum(1 for _, n in rows if n == 0),
            "with_several": sum(1 for _, n in rows if n > 1), "sheets": sum(n for _, n in rows)}


def job_counts(db_url: str) -> dict[str, int]:
    """Background jobs by status (queued, running, done, failed), and how many ran more than once."""
    with _engine(db_url).connect() as conn:
        counts = dict(conn.execute(text("SELECT status, count(*) FROM job GROUP BY status")).all())
        counts["retried"] = conn.execute(text("SELECT count(*) FROM job WHERE attempts > 1")).scalar()
    return counts


def unfinished_jobs(db_url: str) -> dict[str, int]:
    """Background jobs still queued or running ("pending"), and those that failed."""
    counts = job_counts(db_url)
    return {"pending": counts.get("queued", 0) + counts.get("running", 0), "failed": counts.get("failed", 0)}


def kill_when_busy(cluster, ledger: Ledger, node: int, *, opinions: int, seconds: float = 300) -> dict:
    """Once ``opinions`` opinions are in and a job is running, SIGKILL node ``node`` and the job
    worker, then start a new worker; returns what was under way at that moment."""
    deadline = time.monotonic() + seconds
    while ledger.count("opinion") < opinions and time.monotonic() < deadline:
        time.sleep(0.05)
    running = 0
    while time.monotonic() < deadline:
        running = job_counts(cluster.db_url).get("running", 0)
        if running:
            break
        time.sleep(0.05)
    with ledger.lock:
        before = len(ledger.acks)
    cluster.kill_node(node)
    cluster.kill_worker(cluster.workers[-1])
    cluster.start_worker()
    return {"jobs_running": running, "acks_before": before}
